using System.Collections.Concurrent;

namespace ClusterSnek.Pipeline;

/// <summary>Every secret value the run knows; each sink passes its text through <see cref="Redact"/>.</summary>
public static class Redactor
{
    public const string Mask = "***";
    static readonly ConcurrentDictionary<string, byte> Secrets = new();
    static volatile string[] ordered = [];

    /// <summary>Registers a secret; values shorter than 4 characters would mask ordinary words, so they are refused.</summary>
    public static void Register(string? secret)
    {
        if (string.IsNullOrEmpty(secret) || secret.Length < 4) return;
        if (Secrets.TryAdd(secret, 0))
            ordered = Secrets.Keys.OrderByDescending(s => s.Length).ToArray();
    }

    public static string Redact(string text)
    {
        var secrets = ordered;
        if (secrets.Length == 0 || string.IsNullOrEmpty(text)) return text;
        foreach (var s in secrets)
            if (text.Contains(s, StringComparison.Ordinal)) text = text.Replace(s, Mask, StringComparison.Ordinal);
        return text;
    }

    internal static void Clear() { Secrets.Clear(); ordered = []; }
}
