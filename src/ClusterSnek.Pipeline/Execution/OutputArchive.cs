using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace ClusterSnek.Pipeline;

/// <summary>
/// A target's declared outputs as one gzipped tar (paths relative to the checkout, sorted, fixed times, no links), and the way back:
/// only regular files inside the declared outputs are written, so an archive cannot reach anything else in the checkout.
/// </summary>
internal static class OutputArchive
{
    static readonly DateTimeOffset Epoch = DateTimeOffset.UnixEpoch;

    /// <summary>The archive of <paramref name="outputs"/> (files, or folders taken whole); null when none of them holds a file.</summary>
    public static byte[]? Pack(AbsolutePath root, IReadOnlyList<string> outputs)
    {
        var files = outputs.SelectMany(o => (root / o) is var path && Directory.Exists(path)
                ? Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Select(f => new AbsolutePath(f).RelativeTo(root))
                : File.Exists(path) ? [o] : [])
            .Select(f => f.Replace('\\', '/')).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0) return null;
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var file in files)
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, file) { ModificationTime = Epoch, Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead };
                using var content = File.OpenRead(root / file);
                entry.DataStream = content;
                tar.WriteEntry(entry);
            }
        }
        return buffer.ToArray();
    }

    public static string Digest(byte[] archive) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(archive));

    /// <summary>The archive's text files, for the check that nothing secret leaves the machine.</summary>
    public static IEnumerable<(string Path, string Text)> Texts(byte[] archive)
    {
        using var gzip = new GZipStream(new MemoryStream(archive), CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        while (tar.GetNextEntry() is { } entry)
        {
            if (entry.EntryType != TarEntryType.RegularFile || entry.DataStream is null) continue;
            using var reader = new StreamReader(entry.DataStream);
            yield return (entry.Name, reader.ReadToEnd());
        }
    }

    /// <summary>
    /// Replaces the declared outputs with the archive's files. Every entry must be a regular file inside one of the outputs (no
    /// "..", no absolute path, no link); otherwise nothing is written and the archive is refused.
    /// </summary>
    public static void Unpack(AbsolutePath root, IReadOnlyList<string> outputs, byte[] archive)
    {
        var files = new List<(string Path, byte[] Content)>();
        try { Read(outputs, archive, files); }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException or IOException)
        {
            throw new SharedCacheRefusedException($"its outputs archive cannot be read ({e.Message})");
        }
        foreach (var output in outputs)
        {
            var path = root / output;
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
            else if (File.Exists(path)) File.Delete(path);
        }
        foreach (var (name, content) in files)
        {
            var path = root / name;
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, content);
        }
    }

    static void Read(IReadOnlyList<string> outputs, byte[] archive, List<(string Path, byte[] Content)> files)
    {
        using (var gzip = new GZipStream(new MemoryStream(archive), CompressionMode.Decompress))
        using (var tar = new TarReader(gzip))
        {
            while (tar.GetNextEntry() is { } entry)
            {
                var name = entry.Name.Replace('\\', '/');
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || Path.IsPathRooted(name)
                    || name.Split('/').Any(part => part is ".." or "." or "") || !outputs.Any(o => name == o || name.StartsWith(o.TrimEnd('/') + "/", StringComparison.Ordinal)))
                    throw new SharedCacheRefusedException($"its outputs archive holds {entry.EntryType} '{name}', which is not a file inside the target's outputs ({string.Join(", ", outputs)})");
                using var content = new MemoryStream();
                entry.DataStream?.CopyTo(content);
                files.Add((name, content.ToArray()));
            }
        }
    }
}
