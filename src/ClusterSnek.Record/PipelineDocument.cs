using System.Text.Json;
using System.Text.Json.Serialization;

namespace ClusterSnek.Record;

/// <summary>
/// artifacts/pipeline.json as one typed value: the engine's part (run, targets, parameters, tools, which sections were carried
/// from an earlier run) and one property per <see cref="Sections"/> entry. Writers and readers use exactly this type, and
/// docs/pipeline.schema.json is generated from it.
/// </summary>
public sealed record PipelineDocument(
    int SchemaVersion, RunInfo Run, IReadOnlyList<TargetEntry> Targets, ParameterValues Parameters, IReadOnlyList<ToolUse> Tools,
    IReadOnlyList<CarriedSection> Carried)
{
    public const int CurrentSchemaVersion = 2;

    // Sections a run does not have are left out of the file rather than written as null.
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<ImageEntry>? Images { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public ScanRecord? Scan { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public SbomRecord? Sbom { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public SigningRecord? Signing { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public SignatureVerificationRecord? SignatureVerification { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public ChartRecord? Charts { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<PolicyEnvironmentResult>? Policies { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public DeploymentRecord? Deployment { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public VerificationRecord? Verification { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public RollbackRecord? Rollback { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public TestRecord? Tests { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public AuditRecord? Audit { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public ReproducibilityRecord? Reproducibility { get; init; }

    /// <summary>The value of a section (null when the run has none).</summary>
    public object? Get(ISection section) => section.Name switch
    {
        "images" => Images, "scan" => Scan, "sbom" => Sbom, "signing" => Signing, "signatureVerification" => SignatureVerification,
        "charts" => Charts, "policies" => Policies, "deployment" => Deployment, "verification" => Verification,
        "rollback" => Rollback, "tests" => Tests, "audit" => Audit, "reproducibility" => Reproducibility,
        _ => throw new ArgumentException($"{section.Name} is not a section of pipeline.json", nameof(section)),
    };

    /// <summary>A copy with one section set (or removed, for null).</summary>
    public PipelineDocument With(ISection section, object? value) => section.Name switch
    {
        "images" => this with { Images = (IReadOnlyList<ImageEntry>?)value },
        "scan" => this with { Scan = (ScanRecord?)value },
        "sbom" => this with { Sbom = (SbomRecord?)value },
        "signing" => this with { Signing = (SigningRecord?)value },
        "signatureVerification" => this with { SignatureVerification = (SignatureVerificationRecord?)value },
        "charts" => this with { Charts = (ChartRecord?)value },
        "policies" => this with { Policies = (IReadOnlyList<PolicyEnvironmentResult>?)value },
        "deployment" => this with { Deployment = (DeploymentRecord?)value },
        "verification" => this with { Verification = (VerificationRecord?)value },
        "rollback" => this with { Rollback = (RollbackRecord?)value },
        "tests" => this with { Tests = (TestRecord?)value },
        "audit" => this with { Audit = (AuditRecord?)value },
        "reproducibility" => this with { Reproducibility = (ReproducibilityRecord?)value },
        _ => throw new ArgumentException($"{section.Name} is not a section of pipeline.json", nameof(section)),
    };

    /// <summary>Where a section came from: this run, or the earlier run it was carried from.</summary>
    public CarriedSection? CarriedFrom(ISection section) => Carried.FirstOrDefault(c => c.Section == section.Name);

    public TargetEntry? Target(string name) => Targets.FirstOrDefault(t => t.Name == name);

    /// <summary>
    /// Each image with what the later stages recorded about the same digest: scan, SBOM, signature, verification. A result
    /// about another digest (an earlier build of the service) is never attached.
    /// </summary>
    public IReadOnlyList<ImageView> ImageViews() => (Images ?? []).Select(i => new ImageView(
        i,
        Scan?.Images.FirstOrDefault(s => s.Subject == i.Service && s.Digest == i.Digest),
        Sbom?.Images.FirstOrDefault(s => s.Service == i.Service && s.Digest == i.Digest),
        Signing?.Images.FirstOrDefault(s => s.Service == i.Service && s.Digest == i.Digest),
        SignatureVerification?.Images.FirstOrDefault(s => s.Service == i.Service && s.Digest == i.Digest))).ToList();

    public string ToJson() => JsonSerializer.Serialize(this, RecordJson.Options);

    /// <summary>Reads a pipeline.json; a file of another shape is an error naming the file and what to do.</summary>
    public static PipelineDocument Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<PipelineDocument>(File.ReadAllText(path), RecordJson.Options)
                   ?? throw new RecordFormatException($"{path} is empty.");
        }
        catch (Exception e) when (e is JsonException or ArgumentException or FormatException)
        {
            throw new RecordFormatException($"{path} is not a pipeline record of this version ({e.Message.Split('\n')[0]}); run the pipeline again to rewrite it.");
        }
    }
}

/// <summary>One image joined with the later stages' results for the same digest.</summary>
public sealed record ImageView(ImageEntry Image, ScanResult? Scan, SbomSummary? Sbom, ImageSignature? Signature, ImageVerdict? Verification);

/// <summary>A pipeline.json that cannot be read as this version's record.</summary>
public sealed class RecordFormatException(string message) : Exception(message);
