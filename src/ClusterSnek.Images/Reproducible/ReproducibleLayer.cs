using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using ClusterSnek.Images.Distribution;

namespace ClusterSnek.Images.Reproducible;

/// <summary>A layer blob written into an OCI layout: its descriptor (compressed) and diff id (sha256 of the uncompressed tar).</summary>
public sealed record LayerBlob(Descriptor Descriptor, Digest DiffId, int Files);

/// <summary>
/// Writes a layer whose bytes depend only on its entries: sorted by path, parents before children, every time set to
/// SOURCE_DATE_EPOCH (access/change times too: a file's time on disk says when it was copied, not what it is), owners as
/// numbers with empty names, GNU tar, gzip by the .NET runtime.
/// Two builds of the same commit in two folders, on two machines, write the same blob.
/// </summary>
public static class ReproducibleLayer
{
    public const string MediaType = "application/vnd.oci.image.layer.v1.tar+gzip";

    public static async Task<LayerBlob> WriteAsync(IEnumerable<LayerEntry> entries, DateTimeOffset epoch, string blobsDirectory, CancellationToken cancellation)
    {
        Directory.CreateDirectory(blobsDirectory);
        var sorted = WithParents(entries).OrderBy(e => e.Path, StringComparer.Ordinal).ToList();
        var temp = Path.Combine(blobsDirectory, ".layer-" + Guid.NewGuid().ToString("N") + ".tmp");
        using var uncompressed = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using (var file = File.Create(temp))
        {
            await using (var gzip = new GZipStream(file, CompressionLevel.Optimal, leaveOpen: true))
            await using (var hashing = new HashingStream(gzip, uncompressed))
            await using (var tar = new TarWriter(hashing, TarEntryFormat.Gnu, leaveOpen: true))
            {
                foreach (var e in sorted) await WriteEntryAsync(tar, e, epoch, cancellation);
            }
        }
        var (size, digest) = await HashFileAsync(temp, cancellation);
        var blob = Path.Combine(blobsDirectory, digest.Hex);
        File.Move(temp, blob, overwrite: true);
        return new LayerBlob(new Descriptor(MediaType, size, digest), new Digest("sha256:" + Convert.ToHexStringLower(uncompressed.GetCurrentHash())), sorted.Count);
    }

    static IEnumerable<LayerEntry> WithParents(IEnumerable<LayerEntry> entries)
    {
        var all = new Dictionary<string, LayerEntry>(StringComparer.Ordinal);
        foreach (var e in entries)
        {
            if (e.Path.Length == 0) continue;
            // The first package to bring a directory decides its metadata; a file later in the list replaces an earlier one.
            if (e.Type == TarEntryType.Directory && all.ContainsKey(e.Path)) continue;
            all[e.Path] = e;
        }
        foreach (var path in all.Keys.ToList())
        {
            for (var parent = Path.GetDirectoryName(path)?.Replace('\\', '/'); !string.IsNullOrEmpty(parent); parent = Path.GetDirectoryName(parent)?.Replace('\\', '/'))
                if (!all.ContainsKey(parent)) all[parent] = LayerEntry.Directory(parent, DateTimeOffset.UnixEpoch);
        }
        return all.Values;
    }

    static async Task WriteEntryAsync(TarWriter tar, LayerEntry e, DateTimeOffset time, CancellationToken cancellation)
    {
        var name = e.Type == TarEntryType.Directory ? e.Path + "/" : e.Path;
        var entry = new GnuTarEntry(e.Type, name)
        {
            Mode = e.Mode, Uid = e.Uid, Gid = e.Gid, UserName = "", GroupName = "",
            ModificationTime = time, AccessTime = time, ChangeTime = time,
        };
        if (e.LinkName is not null) entry.LinkName = e.LinkName;
        Stream? data = e.Type == TarEntryType.RegularFile
            ? e.Data is not null ? new MemoryStream(e.Data, writable: false) : e.DataFile is not null ? File.OpenRead(e.DataFile) : new MemoryStream()
            : null;
        await using (data)
        {
            if (data is not null) entry.DataStream = data;
            await tar.WriteEntryAsync(entry, cancellation);
        }
    }

    internal static async Task<(long Size, Digest Digest)> HashFileAsync(string file, CancellationToken cancellation)
    {
        await using var stream = File.OpenRead(file);
        return (stream.Length, new Digest("sha256:" + Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellation))));
    }

    /// <summary>Passes writes through and hashes them (the diff id is the sha256 of the uncompressed tar).</summary>
    sealed class HashingStream(Stream inner, IncrementalHash hash) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            hash.AppendData(buffer);
            inner.Write(buffer);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            hash.AppendData(buffer.Span);
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}
