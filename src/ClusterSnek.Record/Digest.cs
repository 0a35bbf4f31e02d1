using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace ClusterSnek.Record;

/// <summary>A content digest, always <c>sha256:</c> followed by 64 lower-case hex characters.</summary>
[JsonConverter(typeof(DigestJsonConverter))]
public sealed partial record Digest
{
    [GeneratedRegex("^sha256:[a-f0-9]{64}$")]
    private static partial Regex Shape();

    public Digest(string value)
    {
        if (value is null || !Shape().IsMatch(value))
            throw new FormatException($"'{value}' is not a sha256 digest (expected sha256: followed by 64 lower-case hex characters).");
        Value = value;
    }

    public string Value { get; }

    /// <summary>The 64 hex characters after <c>sha256:</c>.</summary>
    public string Hex => Value[7..];

    /// <summary>The tag cosign (and the OCI referrers tag schema) derive from a digest: <c>sha256-&lt;hex&gt;</c>.</summary>
    public string TagPrefix => "sha256-" + Hex;

    public static Digest Compute(ReadOnlySpan<byte> content) => new("sha256:" + Convert.ToHexStringLower(SHA256.HashData(content)));

    public static bool TryParse(string? value, out Digest? digest)
    {
        digest = value is not null && Shape().IsMatch(value) ? new Digest(value) : null;
        return digest is not null;
    }

    public bool Matches(ReadOnlySpan<byte> content) => Compute(content) == this;

    public override string ToString() => Value;
}

/// <summary>Reads and writes a <see cref="Digest"/> as its string form.</summary>
public sealed class DigestJsonConverter : JsonConverter<Digest>
{
    public override Digest Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        try { return new Digest(text!); }
        catch (FormatException e) { throw new JsonException(e.Message); }
    }

    public override void Write(Utf8JsonWriter writer, Digest value, JsonSerializerOptions options) => writer.WriteStringValue(value.Value);
}
