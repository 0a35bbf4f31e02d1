using System.Text.Json;
using ClusterSnek.Pipeline;

namespace ClusterSnek.Kube;

/// <summary>What became of a revision.</summary>
public enum RevisionStatus { Pending, Deployed, Verified, Failed, RolledBack, Superseded, Removed }

/// <summary>One revision of a local release: revision.json next to its manifests.yaml.</summary>
public sealed record ReleaseRevision(int Revision, DateTimeOffset Time, string ManifestDigest, IReadOnlyList<PinnedImage> Images, RevisionStatus Status,
    string? Note = null, IReadOnlyList<string>? Secrets = null, IReadOnlyList<SlotAssignment>? Slots = null)
{
    /// <summary>True for a revision written before port slots (its pods listen on the public ports themselves).</summary>
    public bool Unslotted => Slots is null;

    public ReleaseRevision With(RevisionStatus status, string? note = null) => this with { Status = status, Note = note ?? Note };
}

/// <summary>
/// The revisions of one environment under artifacts/releases/&lt;env&gt;/&lt;n&gt;/ (manifests.yaml + revision.json) and the
/// pointer to the one running (<c>current</c>). Rollback replays an earlier revision's manifests from here.
/// </summary>
public sealed class ReleaseHistory(string directory)
{
    static readonly JsonSerializerOptions Json = RecordJson.Options;

    public string Directory { get; } = directory;

    public string ManifestsOf(int revision) => Path.Combine(Directory, revision.ToString(System.Globalization.CultureInfo.InvariantCulture), "manifests.yaml");

    /// <summary>The release as rendered for the local runtime before slots were assigned (what a rollback plays again).</summary>
    public string SourceOf(int revision) => Path.Combine(Path.GetDirectoryName(ManifestsOf(revision))!, "release.yaml");

    string RevisionFile(int revision) => Path.Combine(Path.GetDirectoryName(ManifestsOf(revision))!, "revision.json");

    string CurrentFile => Path.Combine(Directory, "current");

    public IReadOnlyList<ReleaseRevision> All() =>
        !System.IO.Directory.Exists(Directory) ? [] :
        System.IO.Directory.EnumerateDirectories(Directory)
            .Select(d => int.TryParse(Path.GetFileName(d), out var n) ? n : 0).Where(n => n > 0 && File.Exists(RevisionFile(n)))
            .Order().Select(Read).ToList();

    public ReleaseRevision Read(int revision) =>
        File.Exists(RevisionFile(revision))
            ? JsonSerializer.Deserialize<RevisionDocument>(File.ReadAllText(RevisionFile(revision)), Json)!.ToRevision()
            : throw new InvalidOperationException($"Revision {revision} does not exist under {Directory}; existing: {string.Join(", ", All().Select(r => r.Revision))}.");

    /// <summary>The revision running now, or null when nothing is deployed.</summary>
    public ReleaseRevision? Current =>
        File.Exists(CurrentFile) && int.TryParse(File.ReadAllText(CurrentFile).Trim(), out var n) && n > 0 ? Read(n) : null;

    public int NextNumber => All().Select(r => r.Revision).DefaultIfEmpty(0).Max() + 1;

    /// <summary>Writes a new revision's manifests and record; it is not current until <see cref="MakeCurrent"/>.</summary>
    public ReleaseRevision Create(string manifests, string digest, IReadOnlyList<PinnedImage> images, IReadOnlyList<string>? secrets = null,
        IReadOnlyList<SlotAssignment>? slots = null, string? source = null)
    {
        var revision = new ReleaseRevision(NextNumber, DateTimeOffset.UtcNow, digest, images, RevisionStatus.Pending, null, secrets ?? [], slots);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(ManifestsOf(revision.Revision))!);
        File.WriteAllText(ManifestsOf(revision.Revision), manifests);
        if (source is not null) File.WriteAllText(SourceOf(revision.Revision), source);
        Save(revision);
        return revision;
    }

    /// <summary>A revision's helm test Pods (tests.json beside its manifests; none for a revision written before they were kept).</summary>
    public IReadOnlyList<LocalTestHook> TestHooksOf(int revision) =>
        File.Exists(TestHooksFile(revision)) ? JsonSerializer.Deserialize<List<LocalTestHook>>(File.ReadAllText(TestHooksFile(revision)), Json) ?? [] : [];

    public void SaveTestHooks(int revision, IReadOnlyList<LocalTestHook> hooks) =>
        File.WriteAllText(TestHooksFile(revision), JsonSerializer.Serialize(hooks, Json));

    string TestHooksFile(int revision) => Path.Combine(Path.GetDirectoryName(ManifestsOf(revision))!, "tests.json");

    /// <summary>A rollback plays an earlier revision again on the slots free now: its manifests and slots are rewritten.</summary>
    public ReleaseRevision Reslot(ReleaseRevision revision, string manifests, IReadOnlyList<SlotAssignment> slots)
    {
        File.WriteAllText(ManifestsOf(revision.Revision), manifests);
        var reslotted = revision with { Slots = slots };
        Save(reslotted);
        return reslotted;
    }

    public void Save(ReleaseRevision revision) =>
        WriteAtomically(RevisionFile(revision.Revision), JsonSerializer.Serialize(RevisionDocument.Of(revision), Json));

    public void MakeCurrent(int? revision)
    {
        System.IO.Directory.CreateDirectory(Directory);
        if (revision is null) File.Delete(CurrentFile);
        else WriteAtomically(CurrentFile, revision.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    // A run killed in the middle of a write leaves the old file or the new one, never half of one.
    static void WriteAtomically(string file, string text)
    {
        File.WriteAllText(file + ".tmp", text);
        File.Move(file + ".tmp", file, overwrite: true);
    }

    /// <summary>The revision a rollback returns to: the given one, else the newest earlier one that was verified (or at least deployed).</summary>
    public ReleaseRevision RollbackTarget(int? requested)
    {
        var current = Current;
        if (requested is { } n)
        {
            var wanted = Read(n);
            return wanted.Revision == current?.Revision ? throw new InvalidOperationException($"Revision {n} is already the current one.") : wanted;
        }
        var before = All().Where(r => current is null || r.Revision < current.Revision).Reverse().ToList();
        return before.FirstOrDefault(r => r.Status == RevisionStatus.Verified)
            ?? before.FirstOrDefault(r => r.Status is RevisionStatus.Deployed or RevisionStatus.Superseded)
            ?? throw new InvalidOperationException($"No earlier good revision to roll back to under {Directory} (current: {current?.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}).");
    }

    sealed record ImageDocument(string Service, string Reference, string Digest);

    // Secret names only: their values live in podman's own storage, never in artifacts/releases.
    sealed record RevisionDocument(int Revision, DateTimeOffset Time, string ManifestDigest, IReadOnlyList<ImageDocument> Images, RevisionStatus Status, string? Note,
        IReadOnlyList<string>? Secrets, IReadOnlyList<SlotAssignment>? Slots = null)
    {
        public static RevisionDocument Of(ReleaseRevision r) =>
            new(r.Revision, r.Time, r.ManifestDigest, r.Images.Select(i => new ImageDocument(i.Service, i.Reference, i.Digest.Value)).ToList(), r.Status, r.Note, r.Secrets,
                r.Slots);

        public ReleaseRevision ToRevision() =>
            new(Revision, Time, ManifestDigest, Images.Select(i => new PinnedImage(i.Service, i.Reference, new Digest(i.Digest))).ToList(), Status, Note, Secrets ?? [],
                Slots);
    }
}
