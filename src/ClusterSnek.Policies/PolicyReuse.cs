using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ClusterSnek.Pipeline;
using Serilog;

namespace ClusterSnek.Policies;

/// <summary>
/// trivy's checks of one environment's manifests, kept for the next PolicyTest. A rebuilt image changes only the digests in
/// the rendered manifests; the policies check that an image is pinned by a digest from an allowed registry, never which digest
/// it is, so the checks are keyed on the manifests with every <c>sha256:…</c> digest replaced by one fixed digest, together with
/// the Rego and data the checks ran with and the scanner. Only a run in which every check passed is kept (a failure's message
/// names its digest); exceptions are applied afresh every run. Entries are sealed (<see cref="ResultSeal"/>); without a seal
/// nothing is kept.
/// </summary>
public sealed partial class PolicyReuse(string directory, string scanner, ResultSeal? seal)
{
    sealed record Entry(string Key, List<TrivyCheck> Checks);

    /// <summary>The key of checking <paramref name="manifests"/> with the Rego in <paramref name="regoDirectory"/> and <paramref name="data"/>.</summary>
    public string Key(string manifests, string regoDirectory, string data)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string s) => sha.AppendData(Encoding.UTF8.GetBytes(s + "\0"));
        Add(scanner);
        Add(data);
        var files = File.Exists(manifests) ? [manifests] : Directory.EnumerateFiles(manifests, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        foreach (var file in files) Add(Path.GetRelativePath(manifests, file) + ":" + Digests().Replace(File.ReadAllText(file), "sha256:" + new string('0', 64)));
        foreach (var file in Directory.EnumerateFiles(regoDirectory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            Add(Path.GetRelativePath(regoDirectory, file) + ":" + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file))));
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    public IReadOnlyList<TrivyCheck>? TryRead(string environment, string key)
    {
        if (seal?.ReadSealed(FileFor(environment)) is not { } text) return null;
        try { return JsonSerializer.Deserialize<Entry>(text) is { } entry && entry.Key == key ? entry.Checks : null; }
        catch (JsonException e)
        {
            Log.Warning("PolicyTest: ignoring the unreadable reuse entry {File} ({Reason})", FileFor(environment), e.Message);
            return null;
        }
    }

    /// <summary>Keeps the checks of a run that passed without exceptions; forgets the environment's entry otherwise.</summary>
    public void Write(string environment, string key, IReadOnlyList<TrivyCheck> checks, PolicyResult result)
    {
        var file = FileFor(environment);
        if (result.Failed > 0 || result.Excepted.Count > 0)
        {
            if (File.Exists(file)) File.Delete(file);
            return;
        }
        seal?.WriteSealed(file, JsonSerializer.Serialize(new Entry(key, [.. checks])));
    }

    string FileFor(string environment) => Path.Combine(directory, environment + ".json");

    [GeneratedRegex("sha256:[0-9a-f]{64}")]
    private static partial Regex Digests();
}
