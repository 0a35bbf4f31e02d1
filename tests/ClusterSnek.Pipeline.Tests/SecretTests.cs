namespace ClusterSnek.Pipeline.Tests;

[Collection("Engine")]
public sealed class SecretTests
{
    sealed record Login(string? Used);

    static readonly Section<Login> LoginSection = new("login", "Login");

    sealed class Leaky : PipelineBuild
    {
        [Parameter("a password"), Secret] public string? RegistryPassword { get; set; }
        public Target Login => _ => _.Executes(() =>
        {
            Serilog.Log.Information("logging in with {Password}", RegistryPassword);
            Serilog.Log.Warning("raw text: password=" + RegistryPassword);
            Run.Set(LoginSection, new Login(RegistryPassword));
            throw new InvalidOperationException("registry refused " + RegistryPassword);
        });
    }

    [Fact]
    public void A_secret_parameter_never_appears_in_console_pipeline_json_or_log_file()
    {
        using var root = new TempRoot();
        var canary = "canary-" + Guid.NewGuid().ToString("N");
        var (exit, output) = Engine.Run(new Leaky(), root, "Login", "--registry-password", canary);
        Assert.Equal(1, exit);
        Assert.Contains("logging in with", output);
        Assert.Contains("***", output);
        var files = Directory.EnumerateFiles(root.Path, "*", SearchOption.AllDirectories).ToList();
        Assert.Contains(files, f => f.EndsWith("pipeline.log", StringComparison.Ordinal));
        Assert.DoesNotContain(canary, output);
        foreach (var file in files) Assert.DoesNotContain(canary, File.ReadAllText(file));
    }

    sealed record Token(string Value, string Encoded);

    static readonly Section<Token> TokenSection = new("token", "Remember");

    /// <summary>A secret that leaves through every engine sink: a cached section, a structured and a raw log line, a failure.</summary>
    sealed class Escaping : PipelineBuild
    {
        [Parameter("a password"), Secret] public string? RegistryPassword { get; set; }

        public Target Remember => _ => _.Inputs(() => ["same"]).Executes(() =>
        {
            Run.Set(TokenSection, new Token(RegistryPassword!, Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("user:" + RegistryPassword))));
            Serilog.Log.Information("token {Token} in {Url}", RegistryPassword, "https://x/?p=" + Uri.EscapeDataString(RegistryPassword!));
            Serilog.Log.Information("html " + System.Net.WebUtility.HtmlEncode(RegistryPassword) + " json " + System.Text.Json.JsonSerializer.Serialize(RegistryPassword));
        });

        public Target Login => _ => _.DependsOn(Remember).Executes(() =>
            throw new InvalidOperationException("registry refused " + System.Text.Json.JsonSerializer.Serialize(new { password = RegistryPassword })));
    }

    [Fact]
    public void A_secret_with_json_html_and_url_special_characters_and_non_ascii_appears_in_no_form_anywhere()
    {
        using var root = new TempRoot();
        var canary = $"Ca+n/a=r\"y<>&'ü€-{Guid.NewGuid():N}"[..32];
        var forms = new Dictionary<string, string>
        {
            ["raw"] = canary,
            ["json (System.Text.Json default)"] = System.Text.Json.JsonSerializer.Serialize(canary)[1..^1],
            ["json (relaxed)"] = System.Text.Json.JsonEncodedText.Encode(canary, System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString(),
            ["html"] = System.Net.WebUtility.HtmlEncode(canary),
            ["url"] = Uri.EscapeDataString(canary),
            ["base64"] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(canary)),
            ["base64 after 'user:'"] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("user:" + canary))[8..40],
        };

        var first = Engine.Run(new Escaping(), root, "Login", "--registry-password", canary);
        var second = Engine.Run(new Escaping(), root, "Login", "--registry-password", canary); // Remember replays its cache entry

        Assert.Equal((1, 1), (first.ExitCode, second.ExitCode));
        Assert.Equal("Cached", root.Status("Remember"));
        var files = Directory.EnumerateFiles(root.Path, "*", SearchOption.AllDirectories).ToList();
        Assert.Contains(files, f => f.EndsWith(Path.Combine(".nuke", "cache", "Remember.json"), StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith("pipeline.log", StringComparison.Ordinal));
        foreach (var (form, text) in forms)
        {
            Assert.DoesNotContain(text, first.Output + second.Output);
            foreach (var file in files) Assert.False(File.ReadAllText(file).Contains(text, StringComparison.Ordinal), $"{form} form of the secret in {file}");
        }
    }

    [Fact]
    public void A_secret_in_parameters_json_is_refused_because_that_file_is_committed()
    {
        using var root = new TempRoot();
        root.Write(".nuke/parameters.json", """{ "RegistryPassword": "hunter2hunter2" }""");
        var (exit, output) = Engine.Run(new Leaky(), root, "Login");
        Assert.Equal(2, exit);
        Assert.Contains("'RegistryPassword' is a secret and must not be committed; set CLUSTERSNEK_REGISTRY_PASSWORD", output);
        Assert.DoesNotContain("hunter2hunter2", output);
    }
}
