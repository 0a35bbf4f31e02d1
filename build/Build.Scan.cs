using ClusterSnek.Pipeline;
using ClusterSnek.Reports.Audit;
using ClusterSnek.Supply;
using ClusterSnek.Supply.Sbom;
using ClusterSnek.Supply.Scanning;
using ClusterSnek.Tools;

partial class Build
{
    [Parameter("Severities that fail the scan gate (UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL)")]
    public string[] FailOn { get; set; } = ["HIGH", "CRITICAL"];

    [Parameter("Let vulnerabilities without a fixed version through the scan gate")]
    public bool IgnoreUnfixed { get; set; }

    [Parameter("Fail when the vulnerability scan cannot run (no database); on when CI=true")]
    public bool RequireVulnScan { get; set; } = Environment.GetEnvironmentVariable("CI") == "true";

    [Parameter("OCI repository of the Trivy vulnerability database (a mirror, for air-gapped runs)")]
    public string? TrivyDbRepository { get; set; }

    AbsolutePath ScanDirectory => ArtifactsDirectory / "scan";
    AbsolutePath SbomDirectory => ArtifactsDirectory / "sbom";
    string TrivyCache => RootDirectory / ".nuke" / "temp" / "trivy-cache";

    string ExceptionsText() => File.Exists(RootDirectory / Manifest.Policies.Exceptions) ? File.ReadAllText(RootDirectory / Manifest.Policies.Exceptions) : "";

    IEnumerable<string?> ReleaseDigests() => (Run.Get(Sections.Images) ?? []).Select(i => $"{i.Service}={i.Pinned.Pinned}");

    Target Scan => _ => _
        .Description("Trivy on every image (secrets; vulnerabilities when a database is at hand) and on the repository (config, secrets); the gate decides")
        .DependsOn(BuildImages)
        .Reads(Sections.Images)
        .Requires(new Check("fail-on", () => { try { GateOptions.ParseFailOn(FailOn); return null; } catch (ArgumentException e) { return e.Message; } }))
        .Inputs(() => [.. ReleaseDigests(), ExceptionsText(), string.Join(',', FailOn), IgnoreUnfixed.ToString(), RequireVulnScan.ToString(), TrivyDbRepository])
        // What a cached verdict also rests on: the repository it scanned, the scanner, its database, and today's exceptions.
        .Inputs(() => [ScanInputs.RepositoryDigest(RootDirectory)])
        .Inputs(() => [ScanInputs.Scanner(Toolchain.ResolveAsync(ToolPins.Trivy, CancellationToken.None).GetAwaiter().GetResult()),
            ScanInputs.VulnerabilityDatabase(TrivyCache)])
        .Inputs(() => [ScanInputs.NearestExceptionExpiry(RootDirectory / Manifest.Policies.Exceptions, DateOnly.FromDateTime(DateTime.UtcNow))])
        // The reports and SARIF the report and GitHub read (not work/ or the sealed reuse/ records, which are this checkout's own).
        .Outputs(() => [.. RecordedImages().Select(i => i.FileName).Append("repository")
            .SelectMany(name => new[] { ScanDirectory / (name + ".json"), ScanDirectory / (name + ".sarif") }).Select(f => f.RelativeTo(RootDirectory))])
        .Shareable()
        .Executes(async ct =>
        {
            await EnsureRegistryAsync(ct);
            var gate = new GateOptions(GateOptions.ParseFailOn(FailOn), IgnoreUnfixed, RequireVulnScan);
            var trivyTool = await Toolchain.ResolveAsync(ToolPins.Trivy, ct);
            var options = new ScanOptions(RootDirectory, ScanDirectory, gate, RootDirectory / Manifest.Policies.Exceptions, TrivyDbRepository, TrivyCache)
            {
                Reuse = new ScanReuse(ScanDirectory / "reuse", $"{ScanInputs.Scanner(trivyTool)}|{ScanInputs.VulnerabilityDatabase(TrivyCache)}|{TrivyDbRepository}", Seal),
            };
            var stage = new ScanStage(new Trivy(trivyTool, TrivyCache),
                new Skopeo(await Toolchain.ResolveAsync(ToolPins.Skopeo, ct)), options);
            var scans = await stage.RunAsync(RecordedImages(), includeRepository: true, ct);
            Run.Set(Sections.Scan, scans.Record);
            foreach (var (scan, exception) in scans.Subjects.SelectMany(s => s.Decision.Excepted.Select(e => (s, e.Exception))).DistinctBy(x => (x.s.Subject, x.Exception.Line)))
                Audit(AuditAction.ExceptionUsed, $"{exception.Id} for {scan.Subject} ({Manifest.Policies.Exceptions} line {exception.Line}, expires {exception.Expires:yyyy-MM-dd}, approved by {exception.ApprovedBy})", null);
            scans.EnsurePassed(ScanDirectory.RelativeTo(RootDirectory));
        });

    Target Sbom => _ => _
        .Description("CycloneDX 1.5 SBOM per image (OS and .NET packages), schema-validated, with component and licence counts")
        .DependsOn(BuildImages)
        .Reads(Sections.Images)
        .Inputs(() => ReleaseDigests())
        .Inputs("src/ClusterSnek.Supply/Sbom/**/*.cs")
        .Outputs(() => RecordedImages().Select(i => new AbsolutePath(SbomStage.FileFor(SbomDirectory, i)).RelativeTo(RootDirectory)))
        .Shareable()
        .Executes(async ct =>
        {
            await EnsureRegistryAsync(ct);
            var stage = new SbomStage(new Trivy(await Toolchain.ResolveAsync(ToolPins.Trivy, ct), TrivyCache),
                new Skopeo(await Toolchain.ResolveAsync(ToolPins.Skopeo, ct)), RootDirectory, SbomDirectory);
            Run.Set(Sections.Sbom, await stage.RunAsync(RecordedImages(), ct));
        });
}
