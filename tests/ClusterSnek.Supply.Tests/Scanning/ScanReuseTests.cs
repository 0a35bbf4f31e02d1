using ClusterSnek.Pipeline;
using ClusterSnek.Supply.Scanning;

namespace ClusterSnek.Supply.Tests.Scanning;

/// <summary>
/// Findings kept per digest and per config-input digest: reused only by the same scanner identity for the same subject; the
/// config key moves with the files trivy config reads and not with source files.
/// </summary>
public sealed class ScanReuseTests : IDisposable
{
    readonly AbsolutePath root = new(Path.Combine(Path.GetTempPath(), "clustersnek-scanreuse-" + Guid.NewGuid().ToString("N")[..8]));

    public ScanReuseTests()
    {
        Write("src/app/Program.cs", "class P {}");
        Write("charts/app/Chart.yaml", "name: app");
        Write("charts/app/templates/NOTES.txt", "hello");
        Write("policies/tests/bad/pod.yaml", "kind: Pod");
    }

    public void Dispose() { try { Directory.Delete(root, recursive: true); } catch (IOException) { } }

    void Write(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(root / path)!);
        File.WriteAllText(root / path, text);
    }

    static readonly ResultSeal Seal = ResultSeal.FromKey("scan-reuse-test-key");

    static readonly Finding Secret = new(FindingKind.Secret, "aws-access-key-id", Severity.Critical, "AWS Access Key", "/app/settings.json", Line: 3);

    [Fact]
    public void Findings_are_reused_only_for_the_same_digest_and_scanner_identity()
    {
        var digest = "sha256:" + new string('a', 64);
        new ScanReuse(root / "reuse", "trivy dev 1 2|offline|", Seal).Write(digest, VulnerabilityScanStatus.NotRun("offline"), [Secret]);

        var same = new ScanReuse(root / "reuse", "trivy dev 1 2|offline|", Seal).TryRead(digest);
        Assert.NotNull(same);
        Assert.Equal([Secret], same.Value.Findings);
        Assert.False(same.Value.Status.Ran);

        Assert.Null(new ScanReuse(root / "reuse", "trivy dev 1 2|db {\"Version\":2}|", Seal).TryRead(digest)); // a database appeared
        Assert.Null(new ScanReuse(root / "reuse", "trivy dev 1 2|offline|", Seal).TryRead("sha256:" + new string('b', 64)));
        Assert.Null(new ScanReuse(root / "reuse", "trivy dev 1 2|offline|", ResultSeal.FromKey("another key")).TryRead(digest));
    }

    [Fact]
    public void An_entry_edited_to_hide_a_finding_is_not_taken()
    {
        var digest = "sha256:" + new string('c', 64);
        new ScanReuse(root / "reuse", "id", Seal).Write(digest, VulnerabilityScanStatus.Done, [Secret]);
        var file = Directory.GetFiles(root / "reuse").Single();
        File.WriteAllText(file, File.ReadAllText(file).Replace("aws-access-key-id", "nothing-here", StringComparison.Ordinal));

        Assert.Null(new ScanReuse(root / "reuse", "id", Seal).TryRead(digest));
    }

    [Fact]
    public void The_config_key_moves_with_yaml_and_chart_files_not_with_source_or_skipped_fixtures()
    {
        string Key() => ScanReuse.ConfigDigest(root, ["policies/tests"]);
        var first = Key();

        Write("src/app/Program.cs", "class P { int x; }");
        Write("policies/tests/bad/pod.yaml", "kind: Pod # changed");
        Assert.Equal(first, Key());

        Write("charts/app/templates/NOTES.txt", "changed"); // any file of a Helm chart
        var chart = Key();
        Assert.NotEqual(first, chart);

        Write("deploy/Dockerfile", "FROM scratch");
        Assert.NotEqual(chart, Key());
    }
}
