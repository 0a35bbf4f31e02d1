using System.Text.Json;
using ClusterSnek.Pipeline;
using ClusterSnek.Tools;
using Serilog;

namespace ClusterSnek.Supply.Scanning;

/// <summary>Inputs of a Scan run besides the images.</summary>
public sealed record ScanOptions(AbsolutePath Root, AbsolutePath Output, GateOptions Gate, AbsolutePath ExceptionsFile, string? DbRepository, string CacheDirectory)
{
    public DateOnly Today { get; init; } = DateOnly.FromDateTime(DateTime.UtcNow);
    public int Parallelism { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>Findings kept from earlier scans of the same digest (and of unchanged config files) by the same scanner and database.</summary>
    public ScanReuse? Reuse { get; init; }
}

/// <summary>The scan of one subject (an image, or "repository"): findings, the vulnerability part's status and the gate's decision.</summary>
public sealed record SubjectScan(
    string Subject, string? Image, Digest? Digest, VulnerabilityScanStatus Vulnerabilities, IReadOnlyList<Finding> Findings, GateDecision Decision,
    string Report, string Sarif);

/// <summary>What a Scan run found: every subject's scan, and the record of it for pipeline.json's scan section.</summary>
public sealed record ScanRun(IReadOnlyList<SubjectScan> Subjects, ScanRecord Record)
{
    /// <summary>Throws when the gate blocked any subject, naming each one and its reasons, after everything was written and recorded.</summary>
    public void EnsurePassed(string reportsFolder)
    {
        var failed = Subjects.Where(r => !r.Decision.Passed).ToList();
        if (failed.Count > 0)
            throw new ScanFailedException("Scan gate failed: " + string.Join("; ", failed.Select(f => $"{f.Subject}: {string.Join(", ", f.Decision.Reasons)}"))
                + $". Reports: {reportsFolder}/.");
    }
}

/// <summary>
/// The Scan stage: each image (exported with skopeo to a docker-archive) gets a secret scan and, when a database is at hand,
/// a vulnerability scan; the repository gets trivy config and a secret scan. The gate decides per subject; the stage fails
/// when any subject fails (<see cref="ScanRun.EnsurePassed"/>), after writing and recording every report.
/// </summary>
public sealed class ScanStage(Trivy trivy, Skopeo skopeo, ScanOptions options)
{
    int reusedImages;

    public const string RepositorySubject = "repository";

    /// <summary>Folders never scanned in the repository: build output, installed tools, run artifacts.</summary>
    public static readonly IReadOnlyList<string> SkippedDirectories = [".git", ".nuke", "artifacts", "**/bin", "**/obj", "**/node_modules"];

    // The policy fixtures are insecure on purpose (each policy's must-fail manifest); they are not deployable config.
    static readonly IReadOnlyList<string> ConfigSkippedDirectories = [.. SkippedDirectories, "policies/tests"];

    public async Task<ScanRun> RunAsync(IReadOnlyList<ImageEntry> images, bool includeRepository, CancellationToken cancellation = default)
    {
        var exceptions = ExceptionsFile.Load(options.ExceptionsFile, options.Today);
        options.Output.CreateDirectory();
        using var gate = new SemaphoreSlim(options.Parallelism);
        async Task<SubjectScan> Throttled(Func<Task<SubjectScan>> scan)
        {
            await gate.WaitAsync(cancellation);
            try { return await scan(); } finally { gate.Release(); }
        }
        var work = images.Select(i => Throttled(() => ScanImageAsync(i, exceptions, cancellation))).ToList();
        if (includeRepository) work.Add(Throttled(() => ScanRepositoryAsync(exceptions, cancellation)));
        var results = await Task.WhenAll(work);

        foreach (var r in results) Report(r);
        if (options.Reuse is not null)
            RunRecord.Current?.Note($"scanned {images.Count - reusedImages} image(s), reused the findings of {reusedImages} unchanged digest(s)");
        return new ScanRun(results, Record(results));
    }

    async Task<SubjectScan> ScanImageAsync(ImageEntry entry, IReadOnlyList<ExceptionEntry> exceptions, CancellationToken cancellation)
    {
        var image = entry.Staged.Image; // the staging copy: nothing is released before this scan passed
        if (options.Reuse?.TryRead(entry.Digest.Value) is var (reusedStatus, reused))
        {
            Log.Information("{Service}: {Digest} was scanned before by this trivy and database; its findings are reused, the gate decides again",
                entry.Service, entry.Digest.Value[..19]);
            Interlocked.Increment(ref reusedImages);
            return Write(entry.FileName, image.ToString(), entry.Digest, reusedStatus, reused, exceptions, artifactPrefix: null);
        }
        var work = (options.Output / "work").CreateDirectory();
        var archive = work / (entry.FileName + ".docker.tar");
        try
        {
            await skopeo.ExportDockerArchiveAsync(image.ToString(), archive, tlsVerify: !image.IsLoopback, cancellation);
            var secretsFile = work / (entry.FileName + ".secrets.json");
            var secrets = await trivy.ScanImageAsync(archive, secretsFile, s => s with { Scanners = ["secret"] }, cancellation);
            if (!secrets.Succeeded || !File.Exists(secretsFile))
                throw new ScanFailedException($"{entry.Service}: trivy image --scanners secret failed (exit {secrets.ExitCode}) {secrets.LastErrorLine}; the archive {archive.Name} must be a docker-archive.");
            var findings = TrivyReport.Parse(await File.ReadAllTextAsync(secretsFile, cancellation), secretsFile).ToList();

            var (status, vulnerabilities) = await ScanVulnerabilitiesAsync(entry, archive, work, cancellation);
            findings.AddRange(vulnerabilities);
            options.Reuse?.Write(entry.Digest.Value, status, findings);
            return Write(entry.FileName, image.ToString(), entry.Digest, status, findings, exceptions, artifactPrefix: null);
        }
        finally
        {
            if (File.Exists(archive)) File.Delete(archive);
        }
    }

    async Task<(VulnerabilityScanStatus, IReadOnlyList<Finding>)> ScanVulnerabilitiesAsync(ImageEntry entry, AbsolutePath archive, AbsolutePath work, CancellationToken cancellation)
    {
        var output = work / (entry.FileName + ".vulnerabilities.json");
        var hadDatabase = File.Exists(Path.Combine(options.CacheDirectory, "db", "trivy.db"));
        var result = await trivy.ScanImageAsync(archive, output, s => s with { Scanners = ["vuln"], DbRepository = options.DbRepository }, cancellation);
        if (result.Succeeded && File.Exists(output))
            return (VulnerabilityScanStatus.Done, TrivyReport.Parse(await File.ReadAllTextAsync(output, cancellation), output));
        if (hadDatabase)
            throw new ScanFailedException($"{entry.Service}: trivy vulnerability scan failed (exit {result.ExitCode}): {result.LastErrorLine}");
        var source = options.DbRepository ?? "ghcr.io/aquasecurity/trivy-db";
        return (VulnerabilityScanStatus.NotRun(
            $"no vulnerability database (offline): trivy could not download it from {source}. Run once with network access, or pass --trivy-db-repository <mirror> (an OCI copy of trivy-db)."), []);
    }

    async Task<SubjectScan> ScanRepositoryAsync(IReadOnlyList<ExceptionEntry> exceptions, CancellationToken cancellation)
    {
        var work = (options.Output / "work").CreateDirectory();
        var secretsFile = work / "repository.secrets.json";
        var configFile = work / "repository.config.json";
        await trivy.SecretScanAsync(options.Root, secretsFile, SkippedDirectories, cancellation);
        var configKey = options.Reuse is null ? null : ScanReuse.ConfigDigest(options.Root, ConfigSkippedDirectories);
        IReadOnlyList<Finding> config;
        if (configKey is not null && options.Reuse!.TryRead(configKey) is var (_, reusedConfig))
        {
            Log.Information("repository: no file trivy config reads has changed ({Key}); its config findings are reused", configKey[..22]);
            config = reusedConfig;
        }
        else
        {
            await trivy.ConfigAsync(s => s with { Target = options.Root, Output = configFile, SkipDirectories = ConfigSkippedDirectories }, cancellation);
            config = TrivyReport.Parse(await File.ReadAllTextAsync(configFile, cancellation), configFile);
            if (configKey is not null) options.Reuse!.Write(configKey, VulnerabilityScanStatus.NotRun("config"), config);
        }
        var findings = TrivyReport.Parse(await File.ReadAllTextAsync(secretsFile, cancellation), secretsFile).Concat(config).ToList();
        // The repository has no packages to match; vulnerabilities are the images' part.
        return Write(RepositorySubject, null, null, VulnerabilityScanStatus.NotRun("not applicable: the repository scan covers secrets and configuration"), findings, exceptions, artifactPrefix: null,
            requireVulns: false);
    }

    SubjectScan Write(string subject, string? image, Digest? digest, VulnerabilityScanStatus status, IReadOnlyList<Finding> findings, IReadOnlyList<ExceptionEntry> exceptions,
        string? artifactPrefix, bool requireVulns = true)
    {
        var gateOptions = requireVulns ? options.Gate : options.Gate with { RequireVulnerabilityScan = false };
        var decision = ScanGate.Evaluate(findings, gateOptions, exceptions, status);
        var report = options.Output / (subject + ".json");
        var sarif = options.Output / (subject + ".sarif");
        File.WriteAllText(report, Redactor.Redact(JsonSerializer.Serialize(new
        {
            subject,
            image,
            vulnerabilityScan = status.Ran ? "ran" : "not run: " + status.Reason,
            gate = new
            {
                decision.Passed,
                failOn = gateOptions.FailOn.OrderDescending().Select(s => s.ToString().ToUpperInvariant()),
                gateOptions.IgnoreUnfixed,
                decision.Reasons,
                blocking = decision.Blocking,
                excepted = decision.Excepted.Select(e => new { finding = e.Finding, exception = new { e.Exception.Id, e.Exception.Reason, expires = e.Exception.Expires.ToString("yyyy-MM-dd"), e.Exception.ApprovedBy, e.Exception.Line } }),
                decision.IgnoredUnfixed,
            },
            counts = decision.Counts,
            findings,
        }, RunRecord.Json)));
        File.WriteAllText(sarif, Redactor.Redact(Sarif.Write(findings, subject, artifactPrefix)));
        return new SubjectScan(subject, image, digest, status, findings, decision, report.RelativeTo(options.Root), sarif.RelativeTo(options.Root));
    }

    ScanRecord Record(IReadOnlyList<SubjectScan> results) => new(
        results.All(r => r.Decision.Passed),
        options.Gate.FailOn.OrderDescending().Select(s => s.ToString().ToUpperInvariant()).ToList(),
        options.Gate.IgnoreUnfixed, options.Gate.RequireVulnerabilityScan, options.ExceptionsFile.RelativeTo(options.Root),
        results.Where(r => r.Subject != RepositorySubject).Select(Summary).ToList(),
        results.FirstOrDefault(r => r.Subject == RepositorySubject) is { } repository ? Summary(repository) : null);

    // What pipeline.json keeps of a scan: counts, the gate, and the findings that matter for a release
    // (secrets by file, line and rule only: a secret's value never leaves the scan report).
    static ScanResult Summary(SubjectScan r) => new(
        r.Subject, r.Digest,
        new GateVerdict(r.Decision.Passed, r.Decision.Reasons.Count == 0 ? "no blocking findings" : string.Join("; ", r.Decision.Reasons), r.Decision.Reasons),
        new SeverityCounts(Count(r, "critical"), Count(r, "high"), Count(r, "medium"), Count(r, "low"), Count(r, "unknown")),
        new VulnerabilityScan(r.Vulnerabilities.Ran, r.Vulnerabilities.Reason),
        r.Decision.Blocking.Count, r.Decision.Excepted.Count, r.Decision.IgnoredUnfixed,
        r.Findings.Where(f => f.Kind == FindingKind.Vulnerability && f.Severity >= Severity.Medium)
            .Select(f => new VulnerabilityFinding(f.Id, f.Package ?? "", f.InstalledVersion ?? "", f.FixedVersion, Upper(f.Severity), f.Title)).ToList(),
        r.Findings.Where(f => f.Kind == FindingKind.Secret).Select(f => new SecretFinding(f.Target, f.Line, f.Id, Upper(f.Severity))).ToList(),
        r.Findings.Where(f => f.Kind == FindingKind.Misconfiguration && f.Severity >= Severity.High)
            .Select(f => new MisconfigurationFinding(f.Id, f.Target, Upper(f.Severity), f.Title)).ToList(),
        r.Decision.Excepted.Select(e => new ExceptionUse(e.Exception.Id, e.Exception.Reason, e.Exception.Expires)).Distinct().ToList(),
        r.Report, r.Sarif);

    static int Count(SubjectScan r, string severity) => r.Decision.Counts.GetValueOrDefault(severity);

    static string Upper(Severity severity) => severity.ToString().ToUpperInvariant();

    static void Report(SubjectScan r)
    {
        var counts = string.Join(", ", r.Decision.Counts.Where(c => c.Value > 0).Select(c => $"{c.Value} {c.Key}"));
        Log.Information("{Subject}: {Verdict} ({Counts}); vulnerabilities {Vulns}", r.Subject, r.Decision.Passed ? "passed" : "BLOCKED",
            counts.Length == 0 ? "no findings" : counts, r.Vulnerabilities.Ran ? "scanned" : "not run: " + r.Vulnerabilities.Reason);
        foreach (var f in r.Decision.Blocking) Log.Error("  blocks: {Finding}", f.Describe());
        foreach (var (f, e) in r.Decision.Excepted) Log.Information("  excepted: {Finding} ({Reason}, {By}, until {Expires:yyyy-MM-dd})", f.Describe(), e.Reason, e.ApprovedBy, e.Expires);
    }
}
