using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ClusterSnek.Pipeline;
using ClusterSnek.Tools;

namespace ClusterSnek.Reports.Tests;

/// <summary>
/// Secret parameters with every character JSON, HTML, URLs and Markdown escape, and non-ASCII, given on the command line and in
/// the environment, through the real chain as far as it runs without building images: GenerateSigningKey, then PackageCharts
/// (helm, chart pushed to a real registry), PolicyTest --manifests (trivy; it fails on the manifest), Report and VerifyAudit (audit head signed with the
/// project key, anchored in the registry). No form of any secret may appear in any file under artifacts/ or .nuke/, in the
/// output, or in the anchor pushed to the registry. <see cref="SecretsThroughDeployTests"/> takes the same secrets on through Sign,
/// VerifySignatures, Deploy and Verify.
/// </summary>
[Collection("registry")]
public sealed class SecretsThroughBuildTests(RegistryFixture registry)
{
    static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A secret per parameter: the characters escaped somewhere, non-ASCII, and a unique tail.</summary>
    /// <summary>
    /// Fresh canary secrets, named by where each enters (two on the command line, two from the environment), and the environment
    /// that carries the two given by variables.
    /// </summary>
    internal static (Dictionary<string, string> Secrets, Dictionary<string, string> Environment) Planted()
    {
        var secrets = new Dictionary<string, string>
        {
            ["--registry-password (CLI)"] = NewSecret("registry"),
            ["--ai-key (CLI)"] = NewSecret("ai"),
            ["CLUSTERSNEK_SIGNING_KEY_PASSWORD (env)"] = NewSecret("signing"),
            ["GITHUB_TOKEN (env)"] = NewSecret("github"),
        };
        var environment = new Dictionary<string, string>
        {
            ["CLUSTERSNEK_SIGNING_KEY_PASSWORD"] = secrets["CLUSTERSNEK_SIGNING_KEY_PASSWORD (env)"],
            ["GITHUB_TOKEN"] = secrets["GITHUB_TOKEN (env)"],
        };
        return (secrets, environment);
    }

    internal static string NewSecret(string name) => $"{name}+/=\"<x>&'ü€-{Guid.NewGuid():N}";

    /// <summary>
    /// The forms a secret takes on its way out, written here independently of the Redactor: raw; JSON-escaped (System.Text.Json's
    /// default and relaxed encoders, and minimal escaping as Serilog writes it); HTML-encoded; URL-encoded (RFC 3986 and form
    /// style); base64 and base64url of it alone, and the part of it that is the same at every byte offset inside longer base64.
    /// </summary>
    internal static IReadOnlyList<(string Name, string Form)> FormsOf(string secret)
    {
        var forms = new List<(string, string)>
        {
            ("raw", secret),
            ("JSON (default encoder)", JsonSerializer.Serialize(secret)[1..^1]),
            ("JSON (relaxed encoder)", JsonSerializer.Serialize(secret, Relaxed)[1..^1]),
            ("JSON (quote and backslash only)", secret.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)),
            ("HTML", HtmlEncoder.Default.Encode(secret)),
            ("HTML (WebUtility)", WebUtility.HtmlEncode(secret)),
            ("URL (RFC 3986)", Uri.EscapeDataString(secret)),
            ("URL (form)", WebUtility.UrlEncode(secret)),
        };
        var bytes = Encoding.UTF8.GetBytes(secret);
        for (var offset = 0; offset < 3; offset++)
        {
            var encoded = Convert.ToBase64String([.. new byte[offset], .. bytes, 0, 0]);
            // Skip the characters that mix the secret with what surrounds it; the rest is the same in any longer text.
            var start = (offset * 4 + 2) / 3 + (offset == 0 ? 0 : 1);
            var end = (offset + bytes.Length) / 3 * 4;
            forms.Add(($"base64 at offset {offset}", encoded[start..end]));
            forms.Add(($"base64url at offset {offset}", encoded[start..end].Replace('+', '-').Replace('/', '_')));
        }
        return forms;
    }

    internal static void AssertNoForm(IReadOnlyDictionary<string, string> secrets, byte[] content, string where)
    {
        var text = Encoding.Latin1.GetString(content); // any bytes, compared as bytes: UTF-8 forms are searched as their UTF-8 bytes
        foreach (var (parameter, secret) in secrets)
            foreach (var (name, form) in FormsOf(secret))
                Assert.False(text.Contains(Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(form)), StringComparison.Ordinal),
                    $"{parameter} leaked into {where} as {name}: {form}");
    }

    [Fact]
    public async Task No_form_of_a_secret_parameter_appears_in_any_file_the_output_or_the_registry_after_the_chain()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = Toolchain.ForRoot(Fixture.RepositoryRoot);
        var helm = (await repository.ResolveAsync(ToolPins.Helm, ct)).Path;
        var trivy = (await repository.ResolveAsync(ToolPins.Trivy, ct)).Path;
        using var root = new BuildRoot();
        foreach (var folder in new[] { "charts", "policies" }) CopyFolder(Fixture.RepositoryRoot / folder, root.Path / folder);
        var manifests = root.DevelopmentKeys.Parent / "manifests.yaml";
        File.WriteAllText(manifests, ChecksManifest);

        var (secrets, environment) = Planted();
        var key = root.DevelopmentKeys.Parent / "project-key" / "cosign.key";
        var outputs = new List<(string, string)>();

        var (exit, output) = root.Run(["GenerateSigningKey", "--signing-key", key], environment);
        outputs.Add(("the output of GenerateSigningKey", output));
        Assert.True(exit == 0, output);

        (exit, output) = root.Run(["PolicyTest", "--manifests", manifests, "--registry", registry.Host, "--registry-username", "ci",
            "--registry-password", secrets["--registry-password (CLI)"], "--ai-key", secrets["--ai-key (CLI)"],
            "--signing-key", key, "--helm-path", helm, "--trivy-path", trivy], environment);
        outputs.Add(("the output of the chain", output));
        // The manifest breaks the policies on purpose: a failed target's reason, summary and report are searched too.
        Assert.True(exit == 1, output);
        Assert.Contains("PolicyTest failed: manifests", output);
        Assert.Matches(@"PackageCharts\s*│ Succeeded", output);
        Assert.Contains($"anchored at {registry.Host}/clustersnek/audit:", output);
        Assert.Contains("trust root: committed key", output);

        // Every secret was bound (and so registered): the record shows each parameter, masked.
        var parameters = PipelineDocument.Read(root.Artifacts / "pipeline.json").Parameters;
        foreach (var name in new[] { "RegistryPassword", "AiKey", "SigningKeyPassword", "GitHubToken" })
            Assert.Equal(Redactor.Mask, parameters[name]!.GetValue<string>());

        foreach (var (where, text) in outputs) AssertNoForm(secrets, Encoding.UTF8.GetBytes(text), where);
        var files = new[] { root.Artifacts, root.Path / ".nuke" }.SelectMany(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories)).ToList();
        foreach (var expected in new[] { "pipeline.json", "report.html", "report.md", "audit.jsonl", "audit.head.json", "pipeline.log" })
            Assert.Contains(files, f => Path.GetFileName(f) == expected);
        Assert.Contains(files, f => f.EndsWith(".sarif", StringComparison.Ordinal));
        Assert.Contains(files, f => f.Contains("/.nuke/cache/", StringComparison.Ordinal));
        foreach (var file in files) AssertNoForm(secrets, File.ReadAllBytes(file), Path.GetRelativePath(root.Path, file));

        // The anchor left the checkout: search what the registry now holds for it too.
        var anchor = await new ClusterSnek.Reports.Audit.AuditAnchor(registry.Client, ClusterSnek.Reports.Audit.AuditAnchorReference.For(registry.Host, root.Path,
            _ => null)).FetchAsync(ct);
        Assert.NotNull(anchor);
        AssertNoForm(secrets, Encoding.UTF8.GetBytes(anchor.Log + JsonSerializer.Serialize(anchor.Head) + anchor.Release), "the audit anchor");
    }

    [Fact]
    public void The_search_finds_each_form_of_a_secret_planted_inside_other_text()
    {
        var secret = NewSecret("planted");
        foreach (var (name, form) in FormsOf(secret))
        {
            var content = Encoding.UTF8.GetBytes($"before {form} after");
            // Some forms coincide (the relaxed encoder escapes only the quote here): the message names the first that matches.
            var e = Assert.ThrowsAny<Exception>(() => AssertNoForm(new Dictionary<string, string> { ["p"] = secret }, content, name));
            Assert.Contains("p leaked into", e.Message);
        }
        for (var offset = 0; offset < 3; offset++) // base64 of a longer text holding the secret at any byte offset
        {
            var content = Encoding.ASCII.GetBytes(Convert.ToBase64String(Encoding.UTF8.GetBytes($"{new string('x', 7 + offset)}{secret}tail")));
            Assert.ThrowsAny<Exception>(() => AssertNoForm(new Dictionary<string, string> { ["p"] = secret }, content, "a file"));
        }
    }

    const string ChecksManifest = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: checked
        spec:
          containers:
            - name: app
              image: 127.0.0.1:5000/clustersnek/backend@sha256:1111111111111111111111111111111111111111111111111111111111111111
        """;

    internal static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
