using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ClusterSnek.Pipeline;

/// <summary>
/// Every secret value the run knows, in every form it takes when it leaves the process (JSON-escaped, HTML-encoded,
/// URL-encoded, base64 at any alignment); each sink passes its text through <see cref="Redact(string)"/>, and the engine's
/// own serializers redact values before serializing (<see cref="RedactValues"/>).
/// </summary>
public static class Redactor
{
    public const string Mask = "***";
    static readonly ConcurrentDictionary<string, byte> Secrets = new();
    static volatile string[] ordered = [];

    // Shorter encoded fragments (a base64 core of a short secret) would mask ordinary text.
    const int MinimumFormLength = 6;

    /// <summary>Registers a secret and its encoded forms; values under 4 characters (ordinary words) are refused.</summary>
    public static void Register(string? secret)
    {
        if (string.IsNullOrEmpty(secret) || secret.Length < 4) return;
        var added = Secrets.TryAdd(secret, 0);
        foreach (var form in FormsOf(secret).Where(f => f.Length >= MinimumFormLength))
            added |= Secrets.TryAdd(form, 0);
        if (added) ordered = Secrets.Keys.OrderByDescending(s => s.Length).ToArray();
    }

    /// <summary>
    /// The texts a secret becomes on its way out: itself; JSON-escaped as System.Text.Json (default and relaxed encoders) and
    /// Serilog write it; HTML-encoded; URL-encoded (RFC 3986 and form style, upper- and lower-case hex); base64 and base64url,
    /// also the part that stays the same when the secret sits at any byte offset inside a longer base64-encoded text (a
    /// Secret's data, a Basic header).
    /// </summary>
    public static IReadOnlyList<string> FormsOf(string secret)
    {
        var forms = new List<string>
        {
            secret,
            JsonEncodedText.Encode(secret, JavaScriptEncoder.Default).ToString(),
            JsonEncodedText.Encode(secret, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString(),
            MinimalJsonEscape(secret),
            HtmlEncoder.Default.Encode(secret),
            WebUtility.HtmlEncode(secret),
            Uri.EscapeDataString(secret),
            WebUtility.UrlEncode(secret),
        };
        // Percent-encoding with lower-case hex (System.Web's HttpUtility, many HTTP clients) is the same text to a server.
        forms.AddRange(forms.Where(f => f.Contains('%', StringComparison.Ordinal)).Select(LowerHex).ToList());
        var bytes = Encoding.UTF8.GetBytes(secret);
        for (var offset = 0; offset < 3; offset++)
        {
            var encoded = Convert.ToBase64String([.. new byte[offset], .. bytes]);
            if (offset == 0) forms.Add(encoded);
            // Characters that mix the secret with the bytes before or after it differ by context; the middle does not.
            var start = offset switch { 0 => 0, 1 => 2, _ => 3 };
            var end = (offset + bytes.Length) / 3 * 4;
            if (end - start > 0) forms.Add(encoded[start..end]);
        }
        foreach (var form in forms.Where(f => f.Length > 0 && f.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=')).ToList())
            forms.Add(form.TrimEnd('=').Replace('+', '-').Replace('/', '_'));
        return forms.Distinct(StringComparer.Ordinal).ToList();
    }

    static string LowerHex(string percentEncoded) =>
        System.Text.RegularExpressions.Regex.Replace(percentEncoded, "%[0-9A-F]{2}", m => m.Value.ToLowerInvariant());

    // What Serilog's JSON formatters and hand-written JSON do: only quote, backslash and control characters are escaped.
    static string MinimalJsonEscape(string s)
    {
        var b = new StringBuilder(s.Length);
        foreach (var c in s)
            b.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                < ' ' => $"\\u{(int)c:X4}",
                _ => c.ToString(),
            });
        return b.ToString();
    }

    public static string Redact(string text)
    {
        var secrets = ordered;
        if (secrets.Length == 0 || string.IsNullOrEmpty(text)) return text;
        foreach (var s in secrets)
            if (text.Contains(s, StringComparison.Ordinal)) text = text.Replace(s, Mask, StringComparison.Ordinal);
        return text;
    }

    /// <summary>A copy of <paramref name="node"/> with every string value and property name redacted (before serializing).</summary>
    public static JsonNode? RedactValues(JsonNode? node)
    {
        if (ordered.Length == 0) return node?.DeepClone();
        return node switch
        {
            JsonObject o => RedactObject(o),
            JsonArray a => new JsonArray(a.Select(RedactValues).ToArray()),
            JsonValue v when v.GetValueKind() == JsonValueKind.String => JsonValue.Create(Redact(v.GetValue<string>())),
            _ => node?.DeepClone(),
        };
    }

    static JsonObject RedactObject(JsonObject o)
    {
        var copy = new JsonObject();
        foreach (var (key, value) in o)
        {
            var name = Redact(key);
            while (copy.ContainsKey(name)) name += "*"; // two names that were both secrets stay two properties
            copy[name] = RedactValues(value);
        }
        return copy;
    }

    internal static void Clear() { Secrets.Clear(); ordered = []; }
}
