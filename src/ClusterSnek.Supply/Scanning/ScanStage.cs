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
}

/// <summary>The scan of one subject (an image, or "repository"): findings, the vulnerability part's status and the gate's decision.</summary>
public sealed record SubjectScan(string Subject, string? Image, VulnerabilityScanStatus Vulnerabilities, IReadOnlyList<Finding> Findings, GateDecision Decision, string Report, string Sarif);

/// <summary>
/// The Scan stage: each image (exported with skopeo to a docker-archive) gets a secret scan and, when a database is at hand,
/// a vulnerability scan; the repository gets trivy config and a secret scan. The gate decides per subject; the stage fails
/// when any subject fails, after writing every report.
/// </summary>
public sealed class ScanStage(Trivy trivy, Skopeo skopeo, ScanOptions options)
{
    public const string RepositorySubject = "repository";

    /// <summary>Folders never scanned in the repository: build output, installed tools, run artifacts.</summary>
    public static readonly IReadOnlyList<string> SkippedDirectories = [".git", ".nuke", "artifacts", "**/bin", "**/obj", "**/node_modules"];

    // The policy fixtures are insecure on purpose (each policy's must-fail manifest); they are not deployable config.
    static readonly IReadOnlyList<string> ConfigSkippedDirectories = [.. SkippedDirectories, "policies/tests"];

    public async Task<IReadOnlyList<SubjectScan>> RunAsync(IReadOnlyList<ReleaseImage> images, bool includeRepository, CancellationToken cancellation = default)
    {
        var exceptions = ExceptionsFile.Load(options.ExceptionsFile, options.Today);
        var parsed = images.Select(i => (Entry: i, Ref: i.Parse())).ToList();
        options.Output.CreateDirectory();
        using var gate = new SemaphoreSlim(options.Parallelism);
        async Task<SubjectScan> Throttled(Func<Task<SubjectScan>> scan)
        {
            await gate.WaitAsync(cancellation);
            try { return await scan(); } finally { gate.Release(); }
        }
        var work = parsed.Select(p => Throttled(() => ScanImageAsync(p.Entry, p.Ref.Image.ByDigest(p.Ref.Digest), exceptions, cancellation))).ToList();
        if (includeRepository) work.Add(Throttled(() => ScanRepositoryAsync(exceptions, cancellation)));
        var results = await Task.WhenAll(work);

        Record(results);
        foreach (var r in results) Report(r);
        var failed = results.Where(r => !r.Decision.Passed).ToList();
        if (failed.Count > 0)
            throw new ScanFailedException("Scan gate failed: " + string.Join("; ", failed.Select(f => $"{f.Subject}: {string.Join(", ", f.Decision.Reasons)}"))
                + $". Reports: {options.Output.RelativeTo(options.Root)}/.");
        return results;
    }

    async Task<SubjectScan> ScanImageAsync(ReleaseImage entry, Images.Distribution.ImageReference image, IReadOnlyList<ExceptionEntry> exceptions, CancellationToken cancellation)
    {
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
            return Write(entry.FileName, image.ToString(), status, findings, exceptions, artifactPrefix: null);
        }
        finally
        {
            if (File.Exists(archive)) File.Delete(archive);
        }
    }

    async Task<(VulnerabilityScanStatus, IReadOnlyList<Finding>)> ScanVulnerabilitiesAsync(ReleaseImage entry, AbsolutePath archive, AbsolutePath work, CancellationToken cancellation)
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
        await trivy.ConfigAsync(s => s with { Target = options.Root, Output = configFile, SkipDirectories = ConfigSkippedDirectories }, cancellation);
        var findings = TrivyReport.Parse(await File.ReadAllTextAsync(secretsFile, cancellation), secretsFile)
            .Concat(TrivyReport.Parse(await File.ReadAllTextAsync(configFile, cancellation), configFile)).ToList();
        // The repository has no packages to match; vulnerabilities are the images' part.
        return Write(RepositorySubject, null, VulnerabilityScanStatus.NotRun("not applicable: the repository scan covers secrets and configuration"), findings, exceptions, artifactPrefix: null,
            requireVulns: false);
    }

    SubjectScan Write(string subject, string? image, VulnerabilityScanStatus status, IReadOnlyList<Finding> findings, IReadOnlyList<ExceptionEntry> exceptions,
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
        return new SubjectScan(subject, image, status, findings, decision, report.RelativeTo(options.Root), sarif.RelativeTo(options.Root));
    }

    void Record(IReadOnlyList<SubjectScan> results)
    {
        var run = RunRecord.Current;
        if (run is null) return;
        foreach (var r in results.Where(r => r.Subject != RepositorySubject))
            run.Patch("images", "service", r.Subject, new { scan = Summary(r) });
        run.Set("scan", new
        {
            passed = results.All(r => r.Decision.Passed),
            failOn = options.Gate.FailOn.OrderDescending().Select(s => s.ToString().ToUpperInvariant()),
            options.Gate.IgnoreUnfixed,
            requireVulnScan = options.Gate.RequireVulnerabilityScan,
            exceptionsFile = options.ExceptionsFile.RelativeTo(options.Root),
            subjects = results.Select(r => new { r.Subject, scan = Summary(r) }),
        });
    }

    // The shape docs/pipeline.schema.json gives images[].scan: counts, the gate, and the findings that matter for a release
    // (secrets by file, line and rule only: a secret's value never leaves the scan report).
    static object Summary(SubjectScan r) => new
    {
        passed = r.Decision.Passed,
        gate = new { passed = r.Decision.Passed, reason = r.Decision.Reasons.Count == 0 ? "no blocking findings" : string.Join("; ", r.Decision.Reasons) },
        critical = r.Decision.Counts.GetValueOrDefault("critical"),
        high = r.Decision.Counts.GetValueOrDefault("high"),
        medium = r.Decision.Counts.GetValueOrDefault("medium"),
        low = r.Decision.Counts.GetValueOrDefault("low"),
        unknown = r.Decision.Counts.GetValueOrDefault("unknown"),
        vulnerabilityScan = r.Vulnerabilities.Ran ? "ran" : "not run: " + r.Vulnerabilities.Reason,
        counts = r.Decision.Counts,
        blocking = r.Decision.Blocking.Count,
        excepted = r.Decision.Excepted.Count,
        ignoredUnfixed = r.Decision.IgnoredUnfixed,
        reasons = r.Decision.Reasons,
        vulnerabilities = r.Findings.Where(f => f.Kind == FindingKind.Vulnerability && f.Severity >= Severity.Medium)
            .Select(f => new { id = f.Id, package = f.Package, installed = f.InstalledVersion, @fixed = f.FixedVersion, severity = f.Severity.ToString().ToUpperInvariant(), title = f.Title }),
        secrets = r.Findings.Where(f => f.Kind == FindingKind.Secret)
            .Select(f => new { file = f.Target, line = f.Line, rule = f.Id, severity = f.Severity.ToString().ToUpperInvariant() }),
        misconfigurations = r.Findings.Where(f => f.Kind == FindingKind.Misconfiguration && f.Severity >= Severity.High)
            .Select(f => new { id = f.Id, file = f.Target, severity = f.Severity.ToString().ToUpperInvariant(), title = f.Title }),
        exceptions = r.Decision.Excepted.Select(e => new { id = e.Exception.Id, reason = e.Exception.Reason, expires = e.Exception.Expires.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) }).Distinct(),
        report = r.Report,
        sarif = r.Sarif,
    };

    static void Report(SubjectScan r)
    {
        var counts = string.Join(", ", r.Decision.Counts.Where(c => c.Value > 0).Select(c => $"{c.Value} {c.Key}"));
        Log.Information("{Subject}: {Verdict} ({Counts}); vulnerabilities {Vulns}", r.Subject, r.Decision.Passed ? "passed" : "BLOCKED",
            counts.Length == 0 ? "no findings" : counts, r.Vulnerabilities.Ran ? "scanned" : "not run: " + r.Vulnerabilities.Reason);
        foreach (var f in r.Decision.Blocking) Log.Error("  blocks: {Finding}", f.Describe());
        foreach (var (f, e) in r.Decision.Excepted) Log.Information("  excepted: {Finding} ({Reason}, {By}, until {Expires:yyyy-MM-dd})", f.Describe(), e.Reason, e.ApprovedBy, e.Expires);
    }
}
