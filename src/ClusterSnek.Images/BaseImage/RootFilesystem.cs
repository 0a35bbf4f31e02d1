namespace ClusterSnek.Images;


/// <summary>Finishes an unpacked Debian rootfs into a distroless-style one: users, CA bundle, /tmp, no docs.</summary>
internal static class RootFilesystem
{
    public static void Finish(string rootfs, int uid)
    {
        Write(rootfs, "etc/passwd", $"root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:{uid}:{uid}:nonroot:/home/nonroot:/sbin/nologin\n");
        Write(rootfs, "etc/group", $"root:x:0:\nnonroot:x:{uid}:\n");
        Write(rootfs, "etc/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files dns\n");

        // update-ca-certificates never runs (no maintainer scripts), so the bundle is assembled here.
        var certs = Path.Combine(rootfs, "usr/share/ca-certificates");
        var bundle = Directory.Exists(certs)
            ? string.Concat(Directory.EnumerateFiles(certs, "*.crt", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(File.ReadAllText))
            : throw new InvalidOperationException("ca-certificates was not unpacked into the base rootfs; keep it in BaseImage/packages.txt.");
        Write(rootfs, "etc/ssl/certs/ca-certificates.crt", bundle);

        foreach (var dir in new[] { "usr/share/man", "usr/share/info", "usr/share/lintian", "usr/share/locale" })
            if (Directory.Exists(Path.Combine(rootfs, dir))) Directory.Delete(Path.Combine(rootfs, dir), recursive: true);
        // Keep the copyright files (licences) and drop the rest of /usr/share/doc.
        var docs = Path.Combine(rootfs, "usr/share/doc");
        if (Directory.Exists(docs))
            foreach (var file in Directory.EnumerateFiles(docs, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != "copyright").ToList())
                File.Delete(file);

        var tmp = Directory.CreateDirectory(Path.Combine(rootfs, "tmp"));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(tmp.FullName, (UnixFileMode)Convert.ToInt32("1777", 8));
        Directory.CreateDirectory(Path.Combine(rootfs, "app"));
        // Owned by root: the rootfs is mounted read-only anyway; /tmp is the only writable place.
        Directory.CreateDirectory(Path.Combine(rootfs, "home/nonroot"));
    }

    static void Write(string rootfs, string path, string content)
    {
        var full = Path.Combine(rootfs, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
    }
}
