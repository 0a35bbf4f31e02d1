namespace ClusterSnek.Pipeline;

/// <summary>An exception that reached the engine's boundary: one line for the console, the stack trace for artifacts/logs/ only.</summary>
internal static class Fault
{
    /// <summary>Where the stack trace of a fault at the boundary is kept (overwritten by the next one).</summary>
    public static string LogName => Path.Combine("artifacts", "logs", "error.log");

    /// <summary>The one line: what happened, what to check, and where the stack trace is (or that none could be kept).</summary>
    public static string Describe(Exception e, AbsolutePath root)
    {
        e = e is AggregateException { InnerExceptions.Count: 1 } a ? a.InnerExceptions[0] : e;
        var message = Redactor.Redact(e.Message.Split('\n')[0].Trim().TrimEnd('.'));
        var trace = Keep(e, root / LogName) ? $"stack trace in {LogName}" : "no stack trace kept: artifacts/logs/ cannot be written";
        return e switch
        {
            UnauthorizedAccessException or IOException =>
                $"{message}. Check that this user can write there (permissions, chattr +i, a full disk) and run again ({trace}).",
            _ => $"{message} ({e.GetType().Name}, a fault in ClusterSnek itself; {trace}; please report it with that file).",
        };
    }

    /// <summary>Null when <paramref name="folder"/> (and its logs/ and pipeline.json) can be written, else the reason.</summary>
    public static string? CannotWrite(AbsolutePath folder)
    {
        try
        {
            foreach (var dir in new[] { folder, folder / "logs" })
            {
                Directory.CreateDirectory(dir);
                var probe = dir / $".write-probe-{Environment.ProcessId}";
                File.WriteAllText(probe, "");
                File.Delete(probe);
            }
            // An immutable pipeline.json in a writable folder would fail the first rename onto it, mid-run.
            if (File.Exists(folder / "pipeline.json"))
                using (new FileStream(folder / "pipeline.json", FileMode.Open, FileAccess.Write, FileShare.ReadWrite)) { }
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return e.Message.TrimEnd('.');
        }
    }

    static bool Keep(Exception e, AbsolutePath file)
    {
        try
        {
            Directory.CreateDirectory(file.Parent);
            var trace = Redactor.Redact(e.ToString());
            File.WriteAllText(file, $"{DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss} UTC{Environment.NewLine}{trace}{Environment.NewLine}");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return false; }
    }
}
