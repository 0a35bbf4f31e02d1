using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClusterSnek.Pipeline;
using Serilog;

namespace ClusterSnek.Supply.Signing;

/// <summary>
/// A passing verdict of the attestation policies, kept for the next run: the same statements (as verified this run), the same
/// expected facts and the same Rego, judged by the same trivy, pass again — until the oldest provenance passes the age limit,
/// the one fact that moves with the clock. So the key leaves out the time window (notBefore/notAfter) and the entry says until
/// when it holds: min(finishedOn) + max age. Only a run where every statement passed every policy is kept; the signatures and
/// statements themselves are verified afresh every run (the entry only spares the trivy run).
/// </summary>
public sealed partial class AttestationRego
{
    sealed record Verdict(string Key, DateTimeOffset ValidUntil);

    /// <summary>Where the last passing verdict is kept (null: the policies run every time).</summary>
    public string? VerdictFile { get; init; }

    /// <summary>Seals and checks the kept verdict (the engine cache's key), so an edited file is not taken as a pass.</summary>
    public ResultSeal? VerdictSeal { get; init; }

    string VerdictKey(IReadOnlyList<JsonObject> inputs)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string s) => sha.AppendData(Encoding.UTF8.GetBytes(s + "\0"));
        var binary = new FileInfo(trivy.Tool.Path);
        Add($"{trivy.Tool.Name} {trivy.Tool.Version} {trivy.Tool.Path} {(binary.Exists ? $"{binary.Length} {binary.LastWriteTimeUtc.Ticks}" : "")}");
        foreach (var file in Directory.EnumerateFiles(regoDirectory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            Add(Path.GetRelativePath(regoDirectory, file) + ":" + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file))));
        foreach (var input in inputs)
        {
            var copy = (JsonObject)input.DeepClone();
            if (copy["expected"] is JsonObject expected) { expected.Remove("notBefore"); expected.Remove("notAfter"); }
            Add(copy.ToJsonString());
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>Until when a pass of these inputs holds: the oldest provenance's finishedOn plus the max age; null when one has none.</summary>
    static DateTimeOffset? ValidUntil(IReadOnlyList<JsonObject> inputs, TimeSpan maxAge)
    {
        DateTimeOffset? until = DateTimeOffset.MaxValue;
        foreach (var input in inputs.Where(i => i["statement"]?["predicateType"]?.ToString() == InTotoStatement.SlsaProvenancePredicate))
            until = input["statement"]?["predicate"]?["runDetails"]?["metadata"]?["finishedOn"]?.ToString() is { } text
                    && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var finished)
                ? (until is { } u && finished + maxAge < u ? finished + maxAge : until) : null;
        return until;
    }

    bool KeptPass(string key, DateTimeOffset now)
    {
        if (VerdictFile is null || VerdictSeal?.ReadSealed(VerdictFile) is not { } text) return false;
        try { return JsonSerializer.Deserialize<Verdict>(text) is { } verdict && verdict.Key == key && now < verdict.ValidUntil; }
        catch (JsonException) { return false; }
    }

    void KeepPass(string key, DateTimeOffset? validUntil)
    {
        if (VerdictFile is null || VerdictSeal is null) return;
        if (validUntil is not { } until)
        {
            File.Delete(VerdictFile);
            return;
        }
        VerdictSeal.WriteSealed(VerdictFile, JsonSerializer.Serialize(new Verdict(key, until)));
    }
}
