using System.Formats.Tar;
using System.Text;
using ClusterSnek.Images.Reproducible;

namespace ClusterSnek.Images;

/// <summary>Finishes the unpacked Debian packages into a distroless-style root filesystem: users, CA bundle, /tmp, no docs.</summary>
internal static class RootFilesystem
{
    static readonly string[] Dropped = ["usr/share/man", "usr/share/info", "usr/share/lintian", "usr/share/locale"];

    public static void Finish(IDictionary<string, LayerEntry> files, int uid, DateTimeOffset time)
    {
        Write(files, "etc/passwd", $"root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:{uid}:{uid}:nonroot:/home/nonroot:/sbin/nologin\n", time);
        Write(files, "etc/group", $"root:x:0:\nnonroot:x:{uid}:\n", time);
        Write(files, "etc/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files dns\n", time);

        // update-ca-certificates never runs (no maintainer scripts), so the bundle is assembled here, in path order.
        var certificates = files.Values.Where(f => f.Type == TarEntryType.RegularFile && f.Path.StartsWith("usr/share/ca-certificates/", StringComparison.Ordinal)
                && f.Path.EndsWith(".crt", StringComparison.Ordinal)).OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        if (certificates.Count == 0)
            throw new InvalidOperationException("ca-certificates was not unpacked into the base rootfs; keep it in BaseImage/packages.txt.");
        files["etc/ssl/certs/ca-certificates.crt"] = LayerEntry.File("etc/ssl/certs/ca-certificates.crt", certificates.SelectMany(c => c.Data!).ToArray(), time);

        foreach (var path in files.Keys.ToList())
        {
            if (Dropped.Any(d => path == d || path.StartsWith(d + "/", StringComparison.Ordinal))) files.Remove(path);
            // Keep the copyright files (licences) and drop the rest of /usr/share/doc.
            else if (path.StartsWith("usr/share/doc/", StringComparison.Ordinal) && files[path].Type != TarEntryType.Directory
                     && Path.GetFileName(path) != "copyright") files.Remove(path);
        }

        files["tmp"] = LayerEntry.Directory("tmp", time) with { Mode = (UnixFileMode)Convert.ToInt32("1777", 8) };
        files["app"] = LayerEntry.Directory("app", time);
        // Owned by root: the rootfs is mounted read-only anyway; /tmp is the only writable place.
        files["home/nonroot"] = LayerEntry.Directory("home/nonroot", time);
    }

    public static void Write(IDictionary<string, LayerEntry> files, string path, string content, DateTimeOffset time) =>
        files[path] = LayerEntry.File(path, Encoding.UTF8.GetBytes(content), time);
}
