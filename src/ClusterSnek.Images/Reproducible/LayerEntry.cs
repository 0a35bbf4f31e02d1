using System.Formats.Tar;

namespace ClusterSnek.Images.Reproducible;

/// <summary>
/// One entry of a layer as it will be written: a relative path ("usr/bin/x", no "./", no trailing slash), type, mode, owner, time,
/// and its content (bytes in memory or a file on disk).
/// </summary>
public sealed record LayerEntry(string Path, TarEntryType Type, UnixFileMode Mode, int Uid, int Gid, DateTimeOffset ModificationTime)
{
    public string? LinkName { get; init; }
    public byte[]? Data { get; init; }
    public string? DataFile { get; init; }

    public long Size => Data?.LongLength ?? (DataFile is null ? 0 : new FileInfo(DataFile).Length);

    public static LayerEntry Directory(string path, DateTimeOffset time) =>
        new(path, TarEntryType.Directory, (UnixFileMode)Convert.ToInt32("755", 8), 0, 0, time);

    public static LayerEntry File(string path, byte[] data, DateTimeOffset time, string mode = "644") =>
        new(path, TarEntryType.RegularFile, (UnixFileMode)Convert.ToInt32(mode, 8), 0, 0, time) { Data = data };

    /// <summary>"./usr/bin/" → "usr/bin"; the one spelling of a path inside a layer.</summary>
    public static string Normalize(string path) => path.Replace('\\', '/').TrimStart('.').Trim('/');
}
