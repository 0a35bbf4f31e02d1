using ClusterSnek.Pipeline;
using ClusterSnek.Supply.Scanning;

namespace ClusterSnek.Supply.Tests.Scanning;

/// <summary>What a cached Scan verdict rests on besides the images: the repository content, the database, the exceptions of the day.</summary>
public sealed class ScanInputsTests : IDisposable
{
    readonly AbsolutePath root = new(Path.Combine(Path.GetTempPath(), "clustersnek-scaninputs-" + Guid.NewGuid().ToString("N")[..8]));

    public ScanInputsTests()
    {
        Write("src/app/Program.cs", "class P {}");
        Write("charts/app/values.yaml", "replicas: 1");
    }

    public void Dispose() { try { Directory.Delete(root, recursive: true); } catch (IOException) { } }

    void Write(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(root / path)!);
        File.WriteAllText(root / path, text);
    }

    [Fact]
    public void A_secret_added_to_the_repository_after_a_scan_changes_the_repository_digest()
    {
        var scanned = ScanInputs.RepositoryDigest(root);

        Write("src/app/settings.txt", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");

        Assert.NotEqual(scanned, ScanInputs.RepositoryDigest(root));
    }

    [Fact]
    public void An_edit_to_a_scanned_file_changes_the_repository_digest()
    {
        var scanned = ScanInputs.RepositoryDigest(root);

        Write("charts/app/values.yaml", "replicas: 1\ntoken: ghp_0123456789abcdefghijklmnopqrstuvwxyz");

        Assert.NotEqual(scanned, ScanInputs.RepositoryDigest(root));
    }

    [Fact]
    public void What_the_scan_skips_does_not_change_the_repository_digest()
    {
        var scanned = ScanInputs.RepositoryDigest(root);

        Write("artifacts/scan/repository.json", "{}");
        Write(".nuke/cache/Scan.json", "{}");
        Write("src/app/bin/Debug/app.dll", "x");
        Write("src/app/obj/project.assets.json", "{}");

        Assert.Equal(scanned, ScanInputs.RepositoryDigest(root));
        Assert.Equal(["charts/app/values.yaml", "src/app/Program.cs"], ScanInputs.RepositoryFiles(root));
    }

    [Fact]
    public void A_folder_named_artifacts_below_the_root_is_scanned_like_trivy_scans_it()
    {
        Write("src/app/artifacts/leak.txt", "x");

        Assert.Contains("src/app/artifacts/leak.txt", ScanInputs.RepositoryFiles(root));
    }

    [Fact]
    public void The_exception_value_changes_the_day_an_exception_expires()
    {
        Write("policies/exceptions.yaml", """
            exceptions:
              - id: CVE-2024-12345
                package: libssl3
                reason: no outbound TLS
                expires: 2027-01-31
                approvedBy: security@example.com
              - id: CVE-2024-99999
                package: zlib1g
                reason: not reachable
                expires: 2027-06-30
                approvedBy: security@example.com
            """);
        var file = root / "policies/exceptions.yaml";

        var lastDay = ScanInputs.NearestExceptionExpiry(file, new DateOnly(2027, 1, 31));
        var dayAfter = ScanInputs.NearestExceptionExpiry(file, new DateOnly(2027, 2, 1));

        Assert.Equal(lastDay, ScanInputs.NearestExceptionExpiry(file, new DateOnly(2026, 12, 1)));
        Assert.Equal("2027-02-01 (0 expired)", lastDay);
        Assert.Equal("2027-07-01 (1 expired)", dayAfter);
    }

    [Fact]
    public void Without_a_vulnerability_database_the_value_is_offline_and_a_database_that_appears_changes_it()
    {
        var cache = root / ".nuke/temp/trivy-cache";

        Assert.Equal("offline", ScanInputs.VulnerabilityDatabase(cache));
        Write(".nuke/temp/trivy-cache/db/metadata.json", """{"Version":2,"UpdatedAt":"2026-11-30T06:00:00Z"}""");
        Assert.Equal("""db {"Version":2,"UpdatedAt":"2026-11-30T06:00:00Z"}""", ScanInputs.VulnerabilityDatabase(cache));
    }
}
