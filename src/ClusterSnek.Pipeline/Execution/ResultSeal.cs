namespace ClusterSnek.Pipeline;

/// <summary>
/// The engine cache's key (<see cref="CacheKey"/>: --cache-key, else ~/.clustersnek/cache-key, never inside the checkout) for the
/// results a stage keeps across runs on its own (Scan's findings per digest, PolicyTest's checks per environment, the attestation
/// policies' verdict): what is sealed with it is only taken back when the seal verifies, so editing a kept result under
/// artifacts/ makes the stage do the work again instead of trusting it. Null (no key, or --no-cache): stages keep nothing.
/// </summary>
public sealed class ResultSeal
{
    readonly CacheKey key;

    internal ResultSeal(CacheKey key) => this.key = key;

    /// <summary>A seal under a key given as text (what --cache-key gives the engine).</summary>
    public static ResultSeal FromKey(string secret) => new(CacheKey.FromSecret(secret));

    /// <summary>The seal of <paramref name="text"/> (hmac-sha256:…).</summary>
    public string Seal(string text) => key.Seal(text);

    public bool Verifies(string text, string? seal) => key.Verifies(text, seal);

    /// <summary>Writes the seal of <paramref name="text"/> on the first line, then the text as it is.</summary>
    public void WriteSealed(string file, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, Seal(text) + "\n" + text);
    }

    /// <summary>The text of a file <see cref="WriteSealed"/> wrote, or null when it is missing or its seal does not verify (said once).</summary>
    public string? ReadSealed(string file)
    {
        if (!File.Exists(file)) return null;
        var content = File.ReadAllText(file);
        var newline = content.IndexOf('\n', StringComparison.Ordinal);
        if (newline > 0 && content[(newline + 1)..] is var text && Verifies(text, content[..newline])) return text;
        Serilog.Log.Warning("{File} was changed outside the pipeline (its seal does not verify): doing the work again", file);
        return null;
    }
}
