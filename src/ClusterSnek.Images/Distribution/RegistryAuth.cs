using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace ClusterSnek.Images.Distribution;

/// <summary>User name and password (or token) for one registry; never logged.</summary>
public sealed record RegistryCredentials(string Username, string Password)
{
    public string BasicValue => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Username}:{Password}"));
    public override string ToString() => $"{Username}:***";
}

/// <summary>One <c>WWW-Authenticate</c> challenge: scheme plus its parameters (realm, service, scope).</summary>
public sealed record AuthChallenge(string Scheme, IReadOnlyDictionary<string, string> Parameters)
{
    public string? Realm => Parameters.GetValueOrDefault("realm");

    /// <summary>Parses <c>Bearer realm="https://auth/token",service="reg",scope="repository:a/b:pull"</c>.</summary>
    public static AuthChallenge? Parse(AuthenticationHeaderValue? header)
    {
        if (header is null) return null;
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var text = header.Parameter ?? "";
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && (text[i] == ',' || char.IsWhiteSpace(text[i]))) i++;
            var eq = text.IndexOf('=', i);
            if (eq < 0) break;
            var key = text[i..eq].Trim();
            i = eq + 1;
            string value;
            if (i < text.Length && text[i] == '"')
            {
                var end = text.IndexOf('"', i + 1);
                if (end < 0) end = text.Length;
                value = text[(i + 1)..end];
                i = end + 1;
            }
            else
            {
                var end = text.IndexOf(',', i);
                if (end < 0) end = text.Length;
                value = text[i..end].Trim();
                i = end;
            }
            parameters[key] = value;
        }
        return new AuthChallenge(header.Scheme, parameters);
    }
}

/// <summary>
/// Answers registry challenges: Basic with the registry's credentials, Bearer by fetching a token from the realm
/// (with Basic credentials when known, anonymously otherwise). Tokens are cached per registry and scope.
/// </summary>
public sealed class RegistryAuth(Func<string, RegistryCredentials?> credentialsFor)
{
    readonly ConcurrentDictionary<string, AuthenticationHeaderValue> cache = new();

    public static RegistryAuth Anonymous { get; } = new(_ => null);

    public AuthenticationHeaderValue? Cached(string registry, string scope) =>
        cache.TryGetValue(registry + " " + scope, out var v) ? v : cache.GetValueOrDefault(registry + " *");

    public async Task<AuthenticationHeaderValue> AnswerAsync(HttpClient http, string registry, string scope, AuthChallenge challenge, CancellationToken cancellation)
    {
        var credentials = credentialsFor(registry);
        if (challenge.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            if (credentials is null) throw new RegistryException($"{registry}: the registry asks for credentials (Basic) and none are configured for it.", 401);
            return cache[registry + " *"] = new AuthenticationHeaderValue("Basic", credentials.BasicValue);
        }
        if (!challenge.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase) || challenge.Realm is null)
            throw new RegistryException($"{registry}: unsupported authentication challenge '{challenge.Scheme}'.", 401);

        var query = new List<string>();
        if (challenge.Parameters.GetValueOrDefault("service") is { } service) query.Add("service=" + Uri.EscapeDataString(service));
        query.Add("scope=" + Uri.EscapeDataString(challenge.Parameters.GetValueOrDefault("scope") ?? scope));
        var url = challenge.Realm + (challenge.Realm.Contains('?') ? "&" : "?") + string.Join('&', query);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (credentials is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Basic", credentials.BasicValue);
        using var response = await http.SendAsync(request, cancellation);
        if (!response.IsSuccessStatusCode)
            throw new RegistryException($"{registry}: token endpoint {challenge.Realm} answered {(int)response.StatusCode} for scope '{scope}'"
                + (credentials is null ? " (no credentials configured)." : " (check the credentials)."), (int)response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellation));
        var token = doc.RootElement.TryGetProperty("token", out var t) ? t.GetString()
            : doc.RootElement.TryGetProperty("access_token", out var a) ? a.GetString() : null;
        if (string.IsNullOrEmpty(token)) throw new RegistryException($"{registry}: token endpoint {challenge.Realm} returned no token.");
        return cache[registry + " " + scope] = new AuthenticationHeaderValue("Bearer", token);
    }
}
