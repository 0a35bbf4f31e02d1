using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ClusterSnek.Supply.Signing;

/// <summary>One signature of a DSSE envelope: key id (empty for cosign keys) and base64 DER signature.</summary>
public sealed record DsseSignature(
    [property: JsonPropertyName("keyid")] string KeyId,
    [property: JsonPropertyName("sig")] string Sig);

/// <summary>A DSSE envelope (secure-systems-lab/dsse envelope.md): payload type, base64 payload, signatures over PAE.</summary>
public sealed record DsseEnvelope(
    [property: JsonPropertyName("payloadType")] string PayloadType,
    [property: JsonPropertyName("payload")] string Payload,
    [property: JsonPropertyName("signatures")] IReadOnlyList<DsseSignature> Signatures)
{
    public const string InTotoPayloadType = "application/vnd.in-toto+json";

    /// <summary>Pre-Authentication Encoding: "DSSEv1" SP len(type) SP type SP len(body) SP body, lengths as ASCII decimals of byte counts.</summary>
    public static byte[] Pae(string payloadType, byte[] payload)
    {
        var type = Encoding.UTF8.GetBytes(payloadType);
        var header = Encoding.ASCII.GetBytes($"DSSEv1 {type.Length} ");
        var middle = Encoding.ASCII.GetBytes($" {payload.Length} ");
        return [.. header, .. type, .. middle, .. payload];
    }

    public static DsseEnvelope Sign(string payloadType, byte[] payload, SigningKey key) =>
        new(payloadType, Convert.ToBase64String(payload), [new DsseSignature("", Convert.ToBase64String(key.Sign(Pae(payloadType, payload))))]);

    public byte[] PayloadBytes() => Convert.FromBase64String(Payload);

    /// <summary>True when any signature verifies over PAE(payloadType, payload) with the key.</summary>
    public bool VerifiedBy(PublicKey key)
    {
        byte[] body;
        try { body = PayloadBytes(); } catch (FormatException) { return false; }
        var pae = Pae(PayloadType, body);
        foreach (var s in Signatures)
        {
            byte[] sig;
            try { sig = Convert.FromBase64String(s.Sig); } catch (FormatException) { continue; }
            if (key.Verify(pae, sig)) return true;
        }
        return false;
    }

    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this);

    public static DsseEnvelope Parse(byte[] content, string source)
    {
        try
        {
            var e = JsonSerializer.Deserialize<DsseEnvelope>(content);
            if (e is null || string.IsNullOrEmpty(e.PayloadType) || e.Payload is null || e.Signatures is null || e.Signatures.Count == 0)
                throw new SigningException($"{source}: not a DSSE envelope (payloadType, payload and signatures are required).");
            return e;
        }
        catch (JsonException x) { throw new SigningException($"{source}: DSSE envelope is not JSON: {x.Message}"); }
    }
}
