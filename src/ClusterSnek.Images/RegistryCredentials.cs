using System.Text;
using System.Text.Json;
using ClusterSnek.Pipeline;

namespace ClusterSnek.Images;

/// <summary>
/// Credentials for an external registry, written to a containers-auth.json outside the repository (mode 0600) so they never
/// appear on a command line, in logs or in artifacts; deleted at the end of the run.
/// </summary>
public sealed class RegistryCredentials : IDisposable
{
    readonly string directory;

    RegistryCredentials(string directory, string authFile, string username, string password)
    {
        this.directory = directory;
        AuthFile = authFile;
        Username = username;
        Password = password;
    }

    public string AuthFile { get; }
    public string Username { get; }
    public string Password { get; }

    public static RegistryCredentials Write(string registryHost, string username, string password)
    {
        var token = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{password}"));
        Redactor.Register(password);
        Redactor.Register(token);
        var dir = Directory.CreateTempSubdirectory("clustersnek-auth-").FullName;
        var file = Path.Combine(dir, "auth.json");
        File.WriteAllText(file, JsonSerializer.Serialize(new { auths = new Dictionary<string, object> { [registryHost] = new { auth = token } } }));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return new RegistryCredentials(dir, file, username, password);
    }

    public void Dispose()
    {
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }
}
