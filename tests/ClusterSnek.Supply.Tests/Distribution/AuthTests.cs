using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ClusterSnek.Images.Distribution;

namespace ClusterSnek.Supply.Tests.Distribution;

/// <summary>
/// Bearer-token auth as the distribution spec's token flow describes it. No token server runs here, so an in-process
/// handler answers like one (401 + WWW-Authenticate, then a token endpoint); the client code under test is the real one.
/// </summary>
public sealed class AuthTests
{
    sealed class TokenRegistry : HttpMessageHandler
    {
        public List<string> Seen { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var url = request.RequestUri!.ToString();
            Seen.Add($"{request.Method} {url} {request.Headers.Authorization}");
            if (url.StartsWith("https://auth.example/token", StringComparison.Ordinal))
            {
                var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("robot:s3cret-pass"));
                return Task.FromResult(request.Headers.Authorization?.ToString() == basic
                    ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{\"token\":\"tok-123\"}") }
                    : new HttpResponseMessage(HttpStatusCode.Unauthorized));
            }
            if (request.Headers.Authorization?.ToString() != "Bearer tok-123")
            {
                var denied = new HttpResponseMessage(HttpStatusCode.Unauthorized);
                denied.Headers.WwwAuthenticate.Add(new AuthenticationHeaderValue("Bearer",
                    "realm=\"https://auth.example/token\",service=\"registry.example\",scope=\"repository:team/app:pull\""));
                return Task.FromResult(denied);
            }
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{\"name\":\"team/app\",\"tags\":[\"v1\",\"v2\"]}") });
        }
    }

    [Fact]
    public void A_bearer_challenge_is_parsed_into_realm_service_and_scope()
    {
        var c = AuthChallenge.Parse(new AuthenticationHeaderValue("Bearer", "realm=\"https://a/token\",service=\"reg\",scope=\"repository:x:pull,push\""))!;
        Assert.Equal(("Bearer", "https://a/token", "reg", "repository:x:pull,push"), (c.Scheme, c.Realm, c.Parameters["service"], c.Parameters["scope"]));
    }

    [Fact]
    public async Task A_401_challenge_is_answered_with_a_token_fetched_with_basic_credentials()
    {
        using var handler = new TokenRegistry();
        using var client = new RegistryClient(new RegistryAuth(r => r == "registry.example" ? new RegistryCredentials("robot", "s3cret-pass") : null), handler);
        var tags = await client.ListTagsAsync("registry.example", "team/app", TestContext.Current.CancellationToken);
        Assert.Equal(["v1", "v2"], tags);
        Assert.Contains(handler.Seen, s => s.StartsWith("GET https://auth.example/token?service=registry.example&scope=repository%3Ateam%2Fapp%3Apull", StringComparison.Ordinal));
        Assert.EndsWith("Bearer tok-123", handler.Seen[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_credentials_for_a_protected_registry_are_named_in_the_error()
    {
        using var handler = new TokenRegistry();
        using var client = new RegistryClient(handler: handler);
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.ListTagsAsync("registry.example", "team/app", TestContext.Current.CancellationToken));
        Assert.Contains("no credentials configured", e.Message, StringComparison.Ordinal);
    }
}
