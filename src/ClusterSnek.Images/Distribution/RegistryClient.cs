using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace ClusterSnek.Images.Distribution;

/// <summary>
/// A client of the OCI distribution API (manifests, blobs, tags, referrers) over HttpClient. Loopback registries
/// (127.0.0.1, localhost) and the hosts in <c>insecureRegistries</c> are spoken to over plain HTTP; every other over HTTPS.
/// </summary>
public sealed class RegistryClient : IDisposable
{
    readonly HttpClient http;
    readonly bool ownsHttp;
    readonly RegistryAuth auth;
    readonly IReadOnlySet<string> insecure;

    public RegistryClient(RegistryAuth? auth = null, HttpMessageHandler? handler = null, IEnumerable<string>? insecureRegistries = null)
    {
        http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.Timeout = TimeSpan.FromMinutes(5);
        http.DefaultRequestHeaders.UserAgent.ParseAdd("clustersnek/1.0");
        ownsHttp = true;
        this.auth = auth ?? RegistryAuth.Anonymous;
        insecure = new HashSet<string>(insecureRegistries ?? [], StringComparer.OrdinalIgnoreCase);
    }

    public void Dispose() { if (ownsHttp) http.Dispose(); }

    string BaseUrl(string registry) =>
        (ImageReference.IsLoopbackHost(registry) || insecure.Contains(registry) ? "http://" : "https://") + registry + "/v2/";

    /// <summary>Fetches a manifest by tag or digest; the digest is of the bytes served (and checked when asked by digest).</summary>
    public async Task<ManifestContent> GetManifestAsync(ImageReference image, CancellationToken cancellation = default)
    {
        using var response = await SendAsync(image.Registry, image.Repository, () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"{BaseUrl(image.Registry)}{image.Repository}/manifests/{image.Reference}");
            foreach (var type in MediaTypes.Manifests) request.Headers.Accept.ParseAdd(type);
            return request;
        }, pull: true, cancellation);
        await EnsureAsync(response, image.ToString(), "manifest", cancellation);
        var content = await response.Content.ReadAsByteArrayAsync(cancellation);
        var digest = Digest.Compute(content);
        if (image.Digest is { } asked && asked != digest)
            throw new RegistryException($"{image}: the registry served a manifest whose digest is {digest}, not the one asked for.");
        var mediaType = response.Content.Headers.ContentType?.MediaType ?? MediaTypeOf(content);
        return new ManifestContent(content, mediaType, digest);
    }

    /// <summary>The digest a tag (or digest) points at, without downloading the manifest; null when it does not exist.</summary>
    public async Task<Digest?> ResolveAsync(ImageReference image, CancellationToken cancellation = default)
    {
        using var response = await SendAsync(image.Registry, image.Repository, () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Head, $"{BaseUrl(image.Registry)}{image.Repository}/manifests/{image.Reference}");
            foreach (var type in MediaTypes.Manifests) request.Headers.Accept.ParseAdd(type);
            return request;
        }, pull: true, cancellation);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        await EnsureAsync(response, image.ToString(), "manifest", cancellation);
        if (response.Headers.TryGetValues("Docker-Content-Digest", out var values) && Digest.TryParse(values.FirstOrDefault(), out var d)) return d;
        return (await GetManifestAsync(image, cancellation)).Digest;
    }

    /// <summary>Pushes manifest bytes under a tag (or by digest when <paramref name="tag"/> is null) and returns their digest.</summary>
    public async Task<Digest> PutManifestAsync(string registry, string repository, string? tag, byte[] content, string mediaType, CancellationToken cancellation = default)
    {
        var digest = Digest.Compute(content);
        var reference = tag ?? digest.Value;
        using var response = await SendAsync(registry, repository, () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Put, $"{BaseUrl(registry)}{repository}/manifests/{reference}")
            { Content = new ByteArrayContent(content) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
            return request;
        }, pull: false, cancellation);
        await EnsureAsync(response, $"{registry}/{repository}:{reference}", "manifest push", cancellation);
        return digest;
    }

    public async Task<bool> BlobExistsAsync(string registry, string repository, Digest digest, CancellationToken cancellation = default)
    {
        using var response = await SendAsync(registry, repository,
            () => new HttpRequestMessage(HttpMethod.Head, $"{BaseUrl(registry)}{repository}/blobs/{digest}"), pull: true, cancellation);
        if (response.StatusCode == HttpStatusCode.NotFound) return false;
        await EnsureAsync(response, $"{registry}/{repository}@{digest}", "blob", cancellation);
        return true;
    }

    /// <summary>Downloads a blob and checks its bytes against the digest (a registry cannot hand back other content).</summary>
    public async Task<byte[]> GetBlobAsync(string registry, string repository, Digest digest, CancellationToken cancellation = default)
    {
        using var response = await SendAsync(registry, repository,
            () => new HttpRequestMessage(HttpMethod.Get, $"{BaseUrl(registry)}{repository}/blobs/{digest}"), pull: true, cancellation);
        await EnsureAsync(response, $"{registry}/{repository}@{digest}", "blob", cancellation);
        var content = await response.Content.ReadAsByteArrayAsync(cancellation);
        if (!digest.Matches(content))
            throw new RegistryException($"{registry}/{repository}: blob {digest} has different content ({Digest.Compute(content)}).");
        return content;
    }

    /// <summary>Uploads a blob monolithically (POST for a session, PUT with the digest); skipped when the registry has it.</summary>
    public async Task<Descriptor> PushBlobAsync(string registry, string repository, byte[] content, string mediaType, CancellationToken cancellation = default)
    {
        var descriptor = Descriptor.Of(mediaType, content);
        if (await BlobExistsAsync(registry, repository, descriptor.Digest, cancellation)) return descriptor;
        using var start = await SendAsync(registry, repository,
            () => new HttpRequestMessage(HttpMethod.Post, $"{BaseUrl(registry)}{repository}/blobs/uploads/"), pull: false, cancellation);
        await EnsureAsync(start, $"{registry}/{repository}", "blob upload", cancellation);
        var location = start.Headers.Location ?? throw new RegistryException($"{registry}/{repository}: blob upload started without a Location header.");
        var upload = location.IsAbsoluteUri ? location : new Uri(new Uri(BaseUrl(registry)), location);
        var url = upload + (upload.Query.Length > 0 ? "&" : "?") + "digest=" + Uri.EscapeDataString(descriptor.Digest.Value);
        using var put = await SendAsync(registry, repository, () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = new ByteArrayContent(content) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            return request;
        }, pull: false, cancellation);
        await EnsureAsync(put, $"{registry}/{repository}@{descriptor.Digest}", "blob upload", cancellation);
        return descriptor;
    }

    /// <summary>
    /// Makes a blob of <paramref name="from"/> (same registry) part of <paramref name="repository"/> by a cross-repository mount
    /// (no bytes move); a registry that declines the mount gets the bytes copied, checked against the digest.
    /// </summary>
    public async Task MountBlobAsync(string registry, string repository, string from, Descriptor blob, CancellationToken cancellation = default)
    {
        if (await BlobExistsAsync(registry, repository, blob.Digest, cancellation)) return;
        var url = $"{BaseUrl(registry)}{repository}/blobs/uploads/?mount={Uri.EscapeDataString(blob.Digest.Value)}&from={Uri.EscapeDataString(from)}";
        using (var mount = await SendAsync(registry, repository, () => new HttpRequestMessage(HttpMethod.Post, url), pull: false, cancellation))
        {
            if (mount.StatusCode == HttpStatusCode.Created) return;
            await EnsureAsync(mount, $"{registry}/{repository}@{blob.Digest}", "blob mount", cancellation);
        }
        var content = await GetBlobAsync(registry, from, blob.Digest, cancellation);
        await PushBlobAsync(registry, repository, content, blob.MediaType, cancellation);
    }

    /// <summary>Deletes a manifest by digest (and so every tag pointing at it); the registry must allow deletes.</summary>
    public async Task DeleteManifestAsync(string registry, string repository, Digest digest, CancellationToken cancellation = default)
    {
        using var response = await SendAsync(registry, repository,
            () => new HttpRequestMessage(HttpMethod.Delete, $"{BaseUrl(registry)}{repository}/manifests/{digest}"), pull: false, cancellation);
        if (response.StatusCode == HttpStatusCode.NotFound) return;
        await EnsureAsync(response, $"{registry}/{repository}@{digest}", "manifest delete", cancellation);
    }

    public async Task<IReadOnlyList<string>> ListTagsAsync(string registry, string repository, CancellationToken cancellation = default)
    {
        using var response = await SendAsync(registry, repository,
            () => new HttpRequestMessage(HttpMethod.Get, $"{BaseUrl(registry)}{repository}/tags/list"), pull: true, cancellation);
        if (response.StatusCode == HttpStatusCode.NotFound) return [];
        await EnsureAsync(response, $"{registry}/{repository}", "tags", cancellation);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellation));
        return doc.RootElement.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Array
            ? tags.EnumerateArray().Select(t => t.GetString()!).ToList() : [];
    }

    /// <summary>
    /// Manifests whose subject is <paramref name="digest"/>: the referrers API when the registry has it, else the
    /// tag schema fallback (an index tagged <c>sha256-&lt;hex&gt;</c>), else none.
    /// </summary>
    public async Task<IReadOnlyList<Descriptor>> ListReferrersAsync(string registry, string repository, Digest digest, string? artifactType = null, CancellationToken cancellation = default)
    {
        var query = artifactType is null ? "" : "?artifactType=" + Uri.EscapeDataString(artifactType);
        using (var response = await SendAsync(registry, repository, () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"{BaseUrl(registry)}{repository}/referrers/{digest}{query}");
            request.Headers.Accept.ParseAdd(MediaTypes.OciIndex);
            return request;
        }, pull: true, cancellation))
        {
            if (response.IsSuccessStatusCode && response.Content.Headers.ContentType?.MediaType == MediaTypes.OciIndex)
            {
                var index = ImageIndex.Parse(await response.Content.ReadAsByteArrayAsync(cancellation), $"{registry}/{repository} referrers of {digest}");
                return Filter(index.Manifests, artifactType);
            }
            if (response.StatusCode != HttpStatusCode.NotFound) await EnsureAsync(response, $"{registry}/{repository}", "referrers", cancellation);
        }
        var fallback = new ImageReference(registry, repository, digest.TagPrefix);
        if (await ResolveAsync(fallback, cancellation) is null) return [];
        var content = await GetManifestAsync(fallback, cancellation);
        return MediaTypes.IsIndex(content.MediaType) ? Filter(content.AsIndex(fallback.ToString()).Manifests, artifactType) : [];
    }

    static IReadOnlyList<Descriptor> Filter(IReadOnlyList<Descriptor> manifests, string? artifactType) =>
        artifactType is null ? manifests : manifests.Where(m => m.ArtifactType == artifactType).ToList();

    async Task<HttpResponseMessage> SendAsync(string registry, string repository, Func<HttpRequestMessage> create, bool pull, CancellationToken cancellation)
    {
        var scope = $"repository:{repository}:{(pull ? "pull" : "pull,push")}";
        var request = create();
        if (auth.Cached(registry, scope) is { } cached) request.Headers.Authorization = cached;
        HttpResponseMessage response;
        try { response = await http.SendAsync(request, cancellation); }
        catch (HttpRequestException e) { throw new RegistryException($"{registry}: cannot reach the registry ({e.Message}). Is it running, and is the address right?"); }
        finally { request.Dispose(); }
        if (response.StatusCode != HttpStatusCode.Unauthorized) return response;

        var challenge = AuthChallenge.Parse(response.Headers.WwwAuthenticate.FirstOrDefault());
        response.Dispose();
        if (challenge is null) throw new RegistryException($"{registry}: 401 Unauthorized without a WWW-Authenticate challenge.", 401);
        var header = await auth.AnswerAsync(http, registry, scope, challenge, cancellation);
        using var retry = create();
        retry.Headers.Authorization = header;
        return await http.SendAsync(retry, cancellation);
    }

    static async Task EnsureAsync(HttpResponseMessage response, string what, string operation, CancellationToken cancellation)
    {
        if (response.IsSuccessStatusCode) return;
        var body = response.Content is null ? "" : await response.Content.ReadAsStringAsync(cancellation);
        var detail = body.Length > 300 ? body[..300] : body;
        var hint = response.StatusCode switch
        {
            HttpStatusCode.NotFound => " (not found)",
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => " (check the registry credentials)",
            _ => "",
        };
        throw new RegistryException($"{what}: {operation} failed with {(int)response.StatusCode}{hint}: {detail.Trim()}", (int)response.StatusCode);
    }

    static string MediaTypeOf(byte[] content)
    {
        using var doc = JsonDocument.Parse(content);
        return doc.RootElement.TryGetProperty("mediaType", out var m) && m.GetString() is { } type ? type : MediaTypes.OciManifest;
    }
}
