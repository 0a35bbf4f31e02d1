using System.Text.Json;
using System.Text.Json.Serialization;
using ClusterSnek.Pipeline;

namespace ClusterSnek.Reports.Audit;

/// <summary>
/// The append-only, hash-chained record of every side effect (artifacts/audit.jsonl). Each line holds the SHA-256
/// of the line before; after every append the head (entry count + last hash) is signed into audit.head.json with the pipeline's
/// signing identity, and VerifyAudit anchors it outside the checkout (<see cref="AuditAnchor"/>).
/// It outlives a run (it is an audit trail), until `Clean` removes artifacts/.
/// </summary>
public sealed class AuditLog
{
    public const string FileName = "audit.jsonl", HeadFileName = "audit.head.json";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        WriteIndented = false,
    };

    static readonly Lock DefaultGate = new();
    static AuditLog? current;
    readonly Lock gate = new();
    readonly AuditSigner signer;

    readonly Func<IReadOnlyList<byte[]>> acceptedKeys;

    /// <param name="acceptedKeys">
    /// Keys an existing head may be signed with for the log to be extended (the trust root's); the signer's own key always is.
    /// A head signed by any other key is refused: re-signing it would bless whatever was done to the log.
    /// </param>
    public AuditLog(AbsolutePath file, AuditSigner signer, Func<IReadOnlyList<byte[]>>? acceptedKeys = null)
    {
        File = file;
        HeadFile = file.Parent / HeadFileName;
        this.signer = signer;
        this.acceptedKeys = () => [signer.PublicKey, .. acceptedKeys?.Invoke() ?? []];
    }

    public AbsolutePath File { get; }
    public AbsolutePath HeadFile { get; }
    public string KeyId => signer.KeyId;

    /// <summary>
    /// The log of this run, as the build set it with <see cref="Use"/>: artifacts/audit.jsonl signed with the pipeline's signing
    /// identity. There is no default key: a key kept beside the log (or anywhere under the checkout) would let whoever edits the
    /// log re-sign it.
    /// </summary>
    public static AuditLog Current
    {
        get
        {
            lock (DefaultGate)
                return current ?? throw new InvalidOperationException(
                    "No audit log is configured for this run: the build hands in the pipeline's signing identity with AuditLog.Use before recording.");
        }
    }

    /// <summary>Makes the log signed with the pipeline's own signing identity the one every stage records into.</summary>
    public static void Use(AuditLog log) { lock (DefaultGate) current = log; }

    /// <summary>Records a side effect into the run's log; stages call this right after the effect happened (or failed).</summary>
    public static AuditEntry Record(string action, string subject, string? digest, string outcome) =>
        Current.Append(action, subject, digest, outcome);

    /// <summary>Appends one line, chained to the last, and re-signs the head. Every field is redacted first.</summary>
    public AuditEntry Append(string action, string subject, string? digest, string outcome, string? target = null, string? actor = null, DateTimeOffset? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(action);
        ArgumentException.ThrowIfNullOrWhiteSpace(subject);
        ArgumentException.ThrowIfNullOrWhiteSpace(outcome);
        lock (gate)
        {
            var (count, last) = Tail();
            var entry = new AuditEntry
            {
                Seq = count + 1,
                Time = time ?? DateTimeOffset.UtcNow,
                Actor = Redactor.Redact(actor ?? DefaultActor()),
                Target = Redactor.Redact(target ?? RunRecord.CurrentTarget ?? "(outside a target)"),
                Action = Redactor.Redact(action),
                Subject = Redactor.Redact(subject),
                Digest = digest is null ? null : Redactor.Redact(digest),
                Outcome = Redactor.Redact(outcome),
                Prev = last,
            };
            var line = JsonSerializer.Serialize(entry, Json);
            File.Parent.CreateDirectory();
            System.IO.File.AppendAllText(File, line + "\n");
            WriteHead(count + 1, AuditEntry.HashOf(line));
            return entry;
        }
    }

    /// <summary>
    /// Creates an empty, signed log when there is none, so a run without side effects still leaves a verifiable log.
    /// An existing log is never re-signed here: that would bless whatever was done to it.
    /// </summary>
    public void Seal()
    {
        lock (gate)
        {
            if (HeadFile.Exists) return;
            if (System.IO.File.Exists(File) && new FileInfo(File).Length > 0) return; // a log without head: VerifyAudit reports it
            File.Parent.CreateDirectory();
            System.IO.File.WriteAllText(File, "");
            WriteHead(0, AuditEntry.Genesis);
        }
    }

    /// <summary>The public key (SubjectPublicKeyInfo DER) the head is signed with: what VerifyAudit trusts.</summary>
    public byte[] PublicKey => signer.PublicKey;

    /// <summary>Entry count and last line hash; refuses to extend a log that no longer matches its signed head.</summary>
    (long Count, string Last) Tail()
    {
        var exists = System.IO.File.Exists(File);
        if (!exists && !HeadFile.Exists) return (0, AuditEntry.Genesis);
        var lines = exists ? System.IO.File.ReadAllText(File).Split('\n') : [""];
        var complete = lines.Take(lines.Length - 1).ToList();
        var last = complete.Count == 0 ? AuditEntry.Genesis : AuditEntry.HashOf(complete[^1]);
        AuditHead? head = null;
        try { head = HeadFile.Exists ? JsonSerializer.Deserialize<AuditHead>(System.IO.File.ReadAllText(HeadFile), AuditHead.Json) : null; }
        catch (JsonException) { }
        if (lines[^1].Length > 0 || head is null || head.Entries != complete.Count || head.Head != last || !SignedByAccepted(head))
            throw new InvalidOperationException($"{File} no longer matches its signed head {HeadFile.Name} (or the head is not signed by the pipeline's key); nothing is appended to a log that may be tampered with. Run ./build.sh VerifyAudit, keep the evidence, then ./build.sh Clean.");
        return (complete.Count, last);
    }

    /// <summary>
    /// The entries recorded since <paramref name="since"/>, for the report. Unreadable lines are left out here:
    /// judging them is VerifyAudit's job, which runs right after and names them.
    /// </summary>
    public IReadOnlyList<AuditEntry> EntriesSince(DateTimeOffset? since)
    {
        if (!System.IO.File.Exists(File)) return [];
        var entries = new List<AuditEntry>();
        foreach (var line in System.IO.File.ReadLines(File))
        {
            try
            {
                if (JsonSerializer.Deserialize<AuditEntry>(line, Json) is { } e && (since is null || e.Time >= since)) entries.Add(e);
            }
            catch (JsonException) { }
        }
        return entries;
    }

    bool SignedByAccepted(AuditHead head)
    {
        byte[] signature;
        try { signature = Convert.FromBase64String(head.Signature ?? ""); }
        catch (FormatException) { return false; }
        var message = AuditSigner.HeadMessage(head.Entries, head.Head);
        return acceptedKeys().Any(key =>
        {
            try { return AuditSigner.Verify(key, message, signature); }
            catch (System.Security.Cryptography.CryptographicException) { return false; }
        });
    }

    /// <summary>The log's text and its signed head as they are on disk now (for the anchor); null when either is missing.</summary>
    public (string Log, AuditHead Head)? Snapshot()
    {
        lock (gate)
        {
            if (!System.IO.File.Exists(File) || !HeadFile.Exists) return null;
            try
            {
                return JsonSerializer.Deserialize<AuditHead>(System.IO.File.ReadAllText(HeadFile), AuditHead.Json) is { } head
                    ? (System.IO.File.ReadAllText(File), head) : null;
            }
            catch (JsonException) { return null; }
        }
    }

    void WriteHead(long entries, string head)
    {
        var document = new AuditHead(entries, head, signer.KeyId, signer.PublicKeyPem,
            Convert.ToBase64String(signer.Sign(AuditSigner.HeadMessage(entries, head))));
        var temp = HeadFile + ".tmp";
        System.IO.File.WriteAllText(temp, JsonSerializer.Serialize(document, AuditHead.Json));
        System.IO.File.Move(temp, HeadFile, overwrite: true);
    }

    static string DefaultActor() =>
        Environment.GetEnvironmentVariable("GITHUB_ACTOR") is { Length: > 0 } gh ? $"github:{gh}"
            : $"{Environment.UserName}@{Environment.MachineName}";
}

/// <summary>The signed head of the log: how many entries it holds and the hash of the last one.</summary>
public sealed record AuditHead(long Entries, string Head, string KeyId, string PublicKey, string Signature)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}
