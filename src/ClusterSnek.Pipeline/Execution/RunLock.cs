using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ClusterSnek.Pipeline;

/// <summary>
/// One run per checkout: an exclusive OS lock on .nuke/temp/run.lock, held from before the first target until the run has ended.
/// The OS releases it when the holder dies, kill -9 included, so a killed run never blocks the next one.
/// </summary>
/// <remarks>
/// The holder describes itself in run.holder.json beside the lock rather than inside it: a file held with FileShare.None
/// cannot be read by another .NET process (FileStream takes flock on Unix; Windows reports a sharing violation).
/// </remarks>
internal sealed class RunLock : IDisposable
{
    static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    // A new holder writes its description just after it takes the lock; until then the file may be missing or name a dead run.
    static readonly TimeSpan DescriptionGrace = TimeSpan.FromSeconds(1);

    readonly FileStream held;
    readonly AbsolutePath holderFile;

    RunLock(FileStream held, AbsolutePath holderFile) => (this.held, this.holderFile) = (held, holderFile);

    /// <summary>Takes the lock, waiting while another run holds it; <see cref="UsageException"/> when told not to wait that long.</summary>
    public static RunLock Acquire(AbsolutePath folder, IReadOnlyList<string> targets, bool noWait, int? timeoutSeconds, TextWriter console,
        CancellationToken cancellation)
    {
        if (timeoutSeconds < 0) throw new UsageException($"--lock-timeout {timeoutSeconds}: needs 0 or more seconds.");
        folder.CreateDirectory();
        var lockFile = folder / "run.lock";
        var holderFile = folder / "run.holder.json";
        var clock = Stopwatch.StartNew();
        var announced = false;
        int? announcedPid = null;
        while (true)
        {
            if (TryOpen(lockFile) is { } held)
            {
                if (RunLockHolder.Read(holderFile) is { } previous && !previous.IsThisProcess)
                    console.WriteLine(previous.IsRunning
                        ? $"Taking over the lock of {previous.Name}, which no longer holds it ({previous.Detail})"
                        : $"Taking over the lock of {previous.Name}, which is no longer running ({previous.Detail})");
                try { RunLockHolder.ForThisProcess(targets).Write(holderFile); }
                catch
                {
                    held.Dispose();
                    throw;
                }
                return new RunLock(held, holderFile);
            }

            var holder = RunLockHolder.Read(holderFile) is { IsRunning: true } running ? running : null;
            if (holder is null && clock.Elapsed < DescriptionGrace)
            {
                Pause(cancellation);
                continue;
            }
            var name = holder?.Describe() ?? "a run that has not said who it is";
            if (noWait) throw new UsageException($"another run is using this checkout: {name} (--no-wait: not waiting for it)");
            if (timeoutSeconds is { } limit && clock.Elapsed >= TimeSpan.FromSeconds(limit))
                throw new UsageException($"the run in this checkout did not finish within {limit} s: {name} (--lock-timeout)");
            // A missing description while waiting is the holder releasing (it removes the file first): not a new holder.
            if (!announced || holder is not null && holder.Pid != announcedPid)
            {
                console.WriteLine($"Waiting for the run in this checkout to finish: {name} (--no-wait to refuse instead)");
                (announced, announcedPid) = (true, holder?.Pid);
            }
            Pause(cancellation);
        }
    }

    static void Pause(CancellationToken cancellation)
    {
        cancellation.WaitHandle.WaitOne(Poll);
        cancellation.ThrowIfCancellationRequested();
    }

    static FileStream? TryOpen(AbsolutePath lockFile)
    {
        try { return new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
        catch (IOException e) when (e is not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException)) { return null; }
        catch (UnauthorizedAccessException e) { throw new UsageException($"{e.Message} Remove it, or run as the user who owns it."); }
    }

    /// <summary>Releases the lock; the description goes first so the next holder never reads ours as a dead run's.</summary>
    public void Dispose()
    {
        try { File.Delete(holderFile); }
        catch (IOException) { }
        held.Dispose();
    }
}

/// <summary>The run holding a checkout's lock, as written to .nuke/temp/run.holder.json.</summary>
internal sealed record RunLockHolder(int Pid, string[] Targets, DateTimeOffset StartedAt, string Host)
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static RunLockHolder ForThisProcess(IReadOnlyList<string> targets) =>
        new(Environment.ProcessId, [.. targets], DateTimeOffset.UtcNow, Environment.MachineName);

    [JsonIgnore] public string Name => Host == Environment.MachineName ? $"pid {Pid}" : $"pid {Pid} on {Host}";

    [JsonIgnore] public string Detail => $"targets {string.Join(", ", Targets)}, since {Since}";

    public string Describe() => $"{Name}, {Detail}";

    string Since => StartedAt.UtcDateTime.Date == DateTime.UtcNow.Date
        ? StartedAt.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture) + " UTC"
        : StartedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";

    [JsonIgnore] public bool IsThisProcess => Pid == Environment.ProcessId && Host == Environment.MachineName;

    /// <summary>Whether the process is still there; a process on another host is assumed to be, a reused pid is not.</summary>
    [JsonIgnore] public bool IsRunning
    {
        get
        {
            if (Host != Environment.MachineName) return true;
            try
            {
                using var process = Process.GetProcessById(Pid);
                if (process.HasExited) return false;
                // A process that started after the holder wrote this file got the pid after the holder had gone.
                try { return process.StartTime.ToUniversalTime() <= StartedAt.UtcDateTime.AddSeconds(1); }
                catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception) { return true; }
            }
            catch (ArgumentException) { return false; }
            catch (InvalidOperationException) { return false; }
        }
    }

    public static RunLockHolder? Read(AbsolutePath file)
    {
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return JsonSerializer.Deserialize<RunLockHolder>(stream, Json);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException) { return null; }
    }

    // Written aside and renamed into place, so a waiting run reads either the old description or the whole new one.
    public void Write(AbsolutePath file)
    {
        var temporary = file.Value + "." + Environment.ProcessId + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, Json));
        File.Move(temporary, file, overwrite: true);
    }
}
