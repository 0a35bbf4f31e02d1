namespace ClusterSnek.Record;

/// <summary>Every stage section of pipeline.json, each with its one writer (docs/architecture.md has the table).</summary>
public static class Sections
{
    public static readonly Section<IReadOnlyList<ImageEntry>> Images = new("images", "BuildImages");
    public static readonly Section<ScanRecord> Scan = new("scan", "Scan");
    public static readonly Section<SbomRecord> Sbom = new("sbom", "Sbom");
    public static readonly Section<SigningRecord> Signing = new("signing", "Sign");
    public static readonly Section<SignatureVerificationRecord> SignatureVerification = new("signatureVerification", "VerifySignatures");
    public static readonly Section<ChartRecord> Charts = new("charts", "PackageCharts");
    public static readonly Section<IReadOnlyList<PolicyEnvironmentResult>> Policies = new("policies", "PolicyTest");
    public static readonly Section<DeploymentRecord> Deployment = new("deployment", "Deploy");
    public static readonly Section<VerificationRecord> Verification = new("verification", "Verify");
    public static readonly Section<RollbackRecord> Rollback = new("rollback", "Rollback");
    public static readonly Section<TestRecord> Tests = new("tests", "Test");
    public static readonly Section<AuditRecord> Audit = new("audit", "VerifyAudit");
    public static readonly Section<ReproducibilityRecord> Reproducibility = new("reproducibility", "CheckReproducible");

    public static IReadOnlyList<ISection> All { get; } =
        [Images, Scan, Sbom, Signing, SignatureVerification, Charts, Policies, Deployment, Verification, Rollback, Tests, Audit, Reproducibility];

    public static ISection? Named(string name) => All.FirstOrDefault(s => s.Name == name);
}
