using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;

namespace ClusterSnek.Reports.Audit;

/// <summary>One side effect, as one line of audit.jsonl; <see cref="Prev"/> chains it to the line before.</summary>
public sealed record AuditEntry
{
    [JsonPropertyOrder(0)] public required long Seq { get; init; }
    [JsonPropertyOrder(1)] public required DateTimeOffset Time { get; init; }
    [JsonPropertyOrder(2)] public required string Actor { get; init; }
    [JsonPropertyOrder(3)] public required string Target { get; init; }
    [JsonPropertyOrder(4)] public required string Action { get; init; }
    [JsonPropertyOrder(5)] public required string Subject { get; init; }
    [JsonPropertyOrder(6)] public string? Digest { get; init; }
    [JsonPropertyOrder(7)] public required string Outcome { get; init; }
    [JsonPropertyOrder(8)] public required string Prev { get; init; }

    /// <summary>The chain's anchor: what the first line's prev holds (SHA-256 of nothing).</summary>
    public static readonly string Genesis = HashOf("");

    public static string HashOf(string line) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(line)));
}

/// <summary>The side effects the pipeline records; stages may use others, these are the ones the report knows.</summary>
public static class AuditAction
{
    public const string ImagePush = "image-push";
    public const string Signature = "signature";
    public const string Attestation = "attestation";
    public const string ChartPush = "chart-push";
    public const string Deploy = "deploy";
    public const string Rollback = "rollback";
    public const string ExceptionUsed = "exception-used";
    public const string GitHubUpdate = "github-update";
}

/// <summary>How a side effect ended.</summary>
public static class AuditOutcome
{
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
}
