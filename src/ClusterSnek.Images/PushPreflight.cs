using System.Net;
using Serilog;

namespace ClusterSnek.Images;

/// <summary>
/// Asks the registry to accept a push into each repository (an upload session, cancelled at once) before any image is pushed,
/// so a registry that refuses pushes fails the run with nothing half-pushed.
/// </summary>
public static class PushPreflight
{
    public static async Task CheckAsync(RegistryEndpoint registry, IEnumerable<string> repositoryPaths, CancellationToken cancellation)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        foreach (var path in repositoryPaths)
        {
            var start = new Uri(registry.ApiBase, $"{registry.ApiName(path)}/blobs/uploads/");
            HttpResponseMessage response;
            try { response = await http.PostAsync(start, new ByteArrayContent([]), cancellation); }
            catch (HttpRequestException e)
            {
                throw new InvalidOperationException($"Registry {registry} is unreachable ({e.Message}); nothing was pushed. Check --registry or start the registry.");
            }
            using (response)
            {
                if (response.StatusCode == HttpStatusCode.Unauthorized)
                {
                    // Token auth is skopeo's job (it has the credentials); the push itself will tell.
                    Log.Debug("Push preflight for {Repository}: registry asks for a token; left to skopeo", path);
                    continue;
                }
                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    var body = (await response.Content.ReadAsStringAsync(cancellation)).Trim();
                    throw new InvalidOperationException($"Registry {registry} refuses pushes to {path} (HTTP {(int)response.StatusCode}: " +
                        $"{(body.Length > 200 ? body[..200] : body)}); nothing was pushed. Use a registry that accepts pushes (check read-only mode and credentials).");
                }
                if (response.Headers.Location is { } location)
                {
                    using var cancel = await http.DeleteAsync(location.IsAbsoluteUri ? location : new Uri(registry.ApiBase, location), cancellation);
                }
            }
        }
    }
}
