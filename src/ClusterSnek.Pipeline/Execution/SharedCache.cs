namespace ClusterSnek.Pipeline;

/// <summary>
/// A cache shared between checkouts and machines (an OCI repository; <c>--cache REF</c>): entries are addressed by target and input
/// hash. The engine writes each entry's bytes (what the target recorded, the hashes it rests on, and the digest of its outputs'
/// archive); the implementation carries them, signs them on the way out and verifies them on the way in.
/// </summary>
public interface ISharedCache
{
    /// <summary>Where entries live, for the summary and the log (e.g. <c>127.0.0.1:5000/clustersnek/cache</c>).</summary>
    string Location { get; }

    /// <summary>Why entries cannot be read in this run (unreachable, nothing to verify them with), in a few words; null while it can.</summary>
    string? Unusable { get; }

    /// <summary>
    /// The entry stored for this target and key, verified; null when there is none (or the cache cannot be reached, said once).
    /// Throws <see cref="SharedCacheRefusedException"/> when an entry is there but is not to be trusted (a signature that does not
    /// verify, an entry about another target or key, outputs that are not the ones it names).
    /// </summary>
    Task<SharedCacheHit?> FetchAsync(string target, string key, CancellationToken cancellation);

    /// <summary>Stores a verified-by-construction entry; returns where it went, or null when this run does not write (read-only, offline).</summary>
    Task<string?> PublishAsync(string target, string key, byte[] entry, byte[]? outputs, CancellationToken cancellation);
}

/// <summary>A verified entry: its bytes as written by <see cref="TargetCache"/>, its outputs' archive, and which entry it was (ref@digest).</summary>
public sealed record SharedCacheHit(byte[] Entry, byte[]? Outputs, string Where);

/// <summary>An entry exists but is not to be trusted; the target runs, and the message says why.</summary>
public sealed class SharedCacheRefusedException(string message) : Exception(message);
