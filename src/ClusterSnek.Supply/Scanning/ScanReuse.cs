using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ClusterSnek.Pipeline;
using Serilog;

namespace ClusterSnek.Supply.Scanning;

/// <summary>
/// What trivy found in one subject, kept for the next Scan: an image digest is its content, so an image whose digest, scanner
/// and vulnerability database are unchanged need not be exported and scanned again; likewise the repository's config scan
/// while no file trivy config reads has changed. Only the raw findings are kept: the gate (fail-on, exceptions, today's
/// expiry) decides afresh every run. An entry is used only when its identity (scanner binary, database, subject) matches and
/// its seal verifies (<see cref="ResultSeal"/>: an edited entry could hide a finding); without a seal nothing is kept.
/// </summary>
public sealed class ScanReuse(AbsolutePath directory, string identity, ResultSeal? seal)
{
    sealed record Entry(string Identity, string Subject, bool VulnerabilitiesRan, string? VulnerabilitiesReason, List<Finding> Findings);

    /// <summary>The findings recorded for <paramref name="subject"/> (an image digest, or the config inputs' digest), or null.</summary>
    public (VulnerabilityScanStatus Status, IReadOnlyList<Finding> Findings)? TryRead(string subject)
    {
        var file = FileFor(subject);
        if (seal?.ReadSealed(file) is not { } text) return null;
        try
        {
            var entry = JsonSerializer.Deserialize<Entry>(text, RunRecord.Json);
            if (entry is null || entry.Identity != identity || entry.Subject != subject) return null;
            return (new VulnerabilityScanStatus(entry.VulnerabilitiesRan, entry.VulnerabilitiesReason), entry.Findings);
        }
        catch (JsonException e)
        {
            Log.Warning("Scan: ignoring the unreadable reuse entry {File} ({Reason}); scanning again", file, e.Message);
            return null;
        }
    }

    public void Write(string subject, VulnerabilityScanStatus status, IReadOnlyList<Finding> findings)
    {
        seal?.WriteSealed(FileFor(subject), Redactor.Redact(JsonSerializer.Serialize(
            new Entry(identity, subject, status.Ran, status.Reason, [.. findings]), RunRecord.Json)));
    }

    AbsolutePath FileFor(string subject) => directory / (Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(subject)))[..32] + ".json");

    // File names trivy config's scanners read (Dockerfile, Kubernetes/Helm YAML and JSON, Terraform, CloudFormation, Azure ARM).
    static readonly string[] ConfigExtensions = [".yaml", ".yml", ".json", ".tf", ".tfvars", ".tpl", ".template", ".toml"];

    /// <summary>
    /// One sha256 over the files trivy config can read in the repository: YAML/JSON/Terraform/template files, Dockerfiles and
    /// Containerfiles, and every file of a Helm chart (a folder with a Chart.yaml); skipped folders as the config scan skips them.
    /// </summary>
    public static string ConfigDigest(AbsolutePath root, IReadOnlyCollection<string> skippedPrefixes)
    {
        var files = ScanInputs.RepositoryFiles(root).Where(f => !skippedPrefixes.Any(p => f.StartsWith(p + "/", StringComparison.Ordinal))).ToList();
        var charts = files.Where(f => Path.GetFileName(f) == "Chart.yaml").Select(f => Path.GetDirectoryName(f)!.Replace('\\', '/')).ToList();
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files.Where(f => IsConfig(f) || charts.Any(c => c.Length == 0 || f.StartsWith(c + "/", StringComparison.Ordinal))))
        {
            sha.AppendData(Encoding.UTF8.GetBytes(file + "\0"));
            try { sha.AppendData(SHA256.HashData(File.ReadAllBytes(root / file))); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { sha.AppendData("unreadable"u8); }
        }
        return "config sha256:" + Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    static bool IsConfig(string file)
    {
        var name = Path.GetFileName(file);
        return ConfigExtensions.Contains(Path.GetExtension(name), StringComparer.OrdinalIgnoreCase)
            || name.StartsWith("Dockerfile", StringComparison.OrdinalIgnoreCase) || name.StartsWith("Containerfile", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith(".dockerfile", StringComparison.OrdinalIgnoreCase);
    }
}
