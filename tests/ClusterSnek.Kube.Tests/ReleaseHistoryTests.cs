namespace ClusterSnek.Kube.Tests;

/// <summary>Which revision a rollback returns to.</summary>
public sealed class ReleaseHistoryTests
{
    static readonly PinnedImage Web = new("web", "127.0.0.1:5000/clustersnek/web", new Digest("sha256:" + new string('a', 64)));

    static ReleaseHistory With(params RevisionStatus[] statuses)
    {
        var history = new ReleaseHistory(Path.Combine(Path.GetTempPath(), "clustersnek-history-" + Guid.NewGuid().ToString("N")));
        foreach (var status in statuses)
        {
            var revision = history.Create("{}", "sha256:" + new string('0', 64), [Web]);
            history.Save(revision.With(status));
            history.MakeCurrent(revision.Revision);
        }
        return history;
    }

    [Fact]
    public void Rollback_returns_to_the_newest_verified_revision_before_the_current_one()
    {
        var history = With(RevisionStatus.Superseded, RevisionStatus.Verified, RevisionStatus.Failed, RevisionStatus.Failed);

        Assert.Equal(2, history.RollbackTarget(null).Revision);
    }

    [Fact]
    public void Rollback_to_a_revision_that_does_not_exist_names_the_existing_ones()
    {
        var history = With(RevisionStatus.Verified, RevisionStatus.Deployed);

        var error = Assert.Throws<InvalidOperationException>(() => history.RollbackTarget(7));

        Assert.EndsWith("existing: 1, 2.", error.Message);
    }

    [Fact]
    public void Rollback_with_no_earlier_revision_says_so()
    {
        var history = With(RevisionStatus.Failed);

        Assert.StartsWith("No earlier good revision to roll back to", Assert.Throws<InvalidOperationException>(() => history.RollbackTarget(null)).Message);
    }
}
