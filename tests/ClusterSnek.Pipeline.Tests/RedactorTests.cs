using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ClusterSnek.Pipeline.Tests;

/// <summary>The redactor on its own: every form a secret with escaped characters and non-ASCII takes, inside other text.</summary>
public sealed class RedactorTests
{
    static string NewSecret() => $"p+a/s=s\"<w>&'ü€-{Guid.NewGuid():N}";

    static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static TheoryData<string> Encodings() =>
        ["raw", "json", "json-relaxed", "html", "url", "url-lower-hex", "url-form", "url-form-lower-hex", "base64", "base64url"];

    static string Encode(string secret, string encoding) => encoding switch
    {
        "raw" => secret,
        "json" => JsonSerializer.Serialize(secret),
        "json-relaxed" => JsonSerializer.Serialize(secret, Relaxed),
        "html" => HtmlEncoder.Default.Encode(secret),
        "url" => Uri.EscapeDataString(secret),
        "url-lower-hex" => System.Text.RegularExpressions.Regex.Replace(Uri.EscapeDataString(secret), "%[0-9A-F]{2}", m => m.Value.ToLowerInvariant()),
        "url-form" => WebUtility.UrlEncode(secret),
        "url-form-lower-hex" => System.Text.RegularExpressions.Regex.Replace(WebUtility.UrlEncode(secret), "%[0-9A-F]{2}", m => m.Value.ToLowerInvariant()),
        "base64" => Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)),
        "base64url" => Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)).TrimEnd('=').Replace('+', '-').Replace('/', '_'),
        _ => throw new ArgumentOutOfRangeException(nameof(encoding)),
    };

    [Theory]
    [MemberData(nameof(Encodings))]
    public void A_registered_secret_is_masked_in_this_encoding_inside_other_text(string encoding)
    {
        var secret = NewSecret();
        Redactor.Register(secret);
        var encoded = Encode(secret, encoding);
        var redacted = Redactor.Redact($"before {encoded} after");
        Assert.DoesNotContain(encoded, redacted);
        Assert.StartsWith("before ", redacted);
        Assert.EndsWith(" after", redacted);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    public void A_secret_inside_a_longer_base64_text_is_masked_at_any_byte_offset(int offset)
    {
        var secret = NewSecret();
        Redactor.Register(secret);
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes(new string('u', offset) + ":" + secret + "-tail"));
        var redacted = Redactor.Redact(basic);
        Assert.Contains(Redactor.Mask, redacted);
        // All of the secret's base64 is gone but the few characters it shares with its neighbours (at most 3 on each side).
        var secretChars = Encoding.UTF8.GetByteCount(secret) * 4 / 3;
        Assert.True(basic.Length - redacted.Length + Redactor.Mask.Length >= secretChars - 6, $"{basic} → {redacted}");
    }

    [Fact]
    public void Values_are_redacted_before_serializing_so_no_escaped_form_is_written()
    {
        var secret = NewSecret();
        Redactor.Register(secret);
        var node = new JsonObject { ["password"] = secret, ["list"] = new JsonArray($"x {secret} y") };
        var text = Redactor.RedactValues(node)!.ToJsonString();
        foreach (var encoding in new[] { "raw", "json", "json-relaxed" }) Assert.DoesNotContain(Encode(secret, encoding).Trim('"'), text);
        Assert.Equal("""{"password":"***","list":["x *** y"]}""", text);
    }

    [Fact]
    public void Values_under_four_characters_are_not_registered_so_ordinary_words_stay()
    {
        Redactor.Register("dev");
        Assert.Equal("deploy to dev", Redactor.Redact("deploy to dev"));
    }
}
