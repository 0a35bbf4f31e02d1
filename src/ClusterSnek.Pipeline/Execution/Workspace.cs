using Serilog;

namespace ClusterSnek.Pipeline;

/// <summary>Removes what builds and runs leave behind, never the sources or installed tools.</summary>
public static class Workspace
{
    public static void Clean(AbsolutePath root)
    {
        foreach (var folder in new[] { root / "artifacts", root / ".nuke" / "cache" })
            Delete(folder);
        foreach (var top in new[] { "src", "tests" })
        {
            if (!Directory.Exists(root / top)) continue;
            foreach (var dir in Directory.EnumerateDirectories(root / top, "*", SearchOption.AllDirectories)
                         .Where(d => Path.GetFileName(d) is "bin" or "obj").ToList())
                Delete(new AbsolutePath(dir));
        }
    }

    static void Delete(AbsolutePath folder)
    {
        if (!Directory.Exists(folder)) return;
        Directory.Delete(folder, recursive: true);
        Log.Information("Deleted {Folder}", folder);
    }
}
