namespace ClusterSnek.Tools.Tests;

/// <summary>
/// The trivy wrapper against a dummy trivy that records its arguments and writes a report where <c>--output</c> points
/// (or exits 1 without a word, as the pinned build does on bad input).
/// </summary>
public sealed class TrivyTests : IDisposable
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;
    readonly string folder = Directory.CreateTempSubdirectory("trivy-dummy-").FullName;

    public void Dispose() { try { Directory.Delete(folder, recursive: true); } catch (IOException) { } }

    Trivy Dummy(string version, int exitCode = 0)
    {
        var path = Path.Combine(folder, "trivy");
        File.WriteAllText(path, $$"""
            #!/bin/sh
            printf '%s\n' "$@" > "{{folder}}/args.txt"
            [ {{exitCode}} -ne 0 ] && exit {{exitCode}}
            while [ $# -gt 0 ]; do [ "$1" = --output ] && echo '{}' > "$2"; shift; done
            exit 0
            """.Replace("\r", "", StringComparison.Ordinal));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return new Trivy(new ResolvedTool(ToolPins.Trivy, version, path, "test"), Path.Combine(folder, "cache"));
    }

    IReadOnlyList<string> Arguments() => File.ReadAllLines(Path.Combine(folder, "args.txt"));

    Task ConfigWithChecksAsync(Trivy trivy) => trivy.ConfigAsync(s => s with
    {
        Target = folder, Output = Path.Combine(folder, "report.json"), CheckDirectories = ["/rego"], Namespaces = ["user"],
    }, Ct);

    [Theory]
    [InlineData("dev")]
    [InlineData("0.44.1")]
    [InlineData("0.49.1")]
    public async Task Trivy_before_0_50_gets_the_policy_flag_names(string version)
    {
        await ConfigWithChecksAsync(Dummy(version));
        var args = Arguments();
        Assert.Equal("/rego", args[args.ToList().IndexOf("--config-policy") + 1]);
        Assert.Equal("user", args[args.ToList().IndexOf("--policy-namespaces") + 1]);
        Assert.Contains("--skip-policy-update", args);
        Assert.DoesNotContain(args, a => a.Contains("check", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("0.50.0")]
    [InlineData("0.58.1")]
    [InlineData("v0.67.2")]
    public async Task Trivy_0_50_and_later_gets_the_check_flag_names(string version)
    {
        await ConfigWithChecksAsync(Dummy(version));
        var args = Arguments();
        Assert.Equal("/rego", args[args.ToList().IndexOf("--config-check") + 1]);
        Assert.Equal("user", args[args.ToList().IndexOf("--check-namespaces") + 1]);
        Assert.Contains("--skip-check-update", args);
        Assert.DoesNotContain(args, a => a.Contains("policy", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_config_scan_that_exits_1_without_a_word_names_its_input_and_what_to_check()
    {
        var e = await Assert.ThrowsAsync<ToolFailedException>(() => ConfigWithChecksAsync(Dummy("dev", exitCode: 1)));
        Assert.Equal($"trivy config on {folder} failed (exit 1) without saying why; check that the manifests are valid YAML and the custom checks compile "
            + "(run with --verbose for trivy's output).", e.Message);
    }

    [Fact]
    public async Task A_vulnerability_scan_passes_the_database_mirror_and_returns_the_raw_result()
    {
        var archive = Path.Combine(folder, "image.docker.tar");
        File.WriteAllText(archive, "not empty");
        var result = await Dummy("dev", exitCode: 1).ScanImageAsync(archive, Path.Combine(folder, "vulns.json"),
            s => s with { DbRepository = "mirror.example/trivy-db" }, Ct);
        Assert.Equal(1, result.ExitCode);
        var args = Arguments().ToList();
        Assert.Equal("vuln", args[args.IndexOf("--scanners") + 1]);
        Assert.Equal("mirror.example/trivy-db", args[args.IndexOf("--db-repository") + 1]);
    }

    [Fact]
    public async Task A_missing_archive_is_refused_before_trivy_runs()
    {
        var e = await Assert.ThrowsAsync<ToolInputException>(() => Dummy("dev").SbomAsync(Path.Combine(folder, "missing.tar"), Path.Combine(folder, "out.json"), Ct));
        Assert.Contains("missing.tar: no image archive to scan", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(folder, "args.txt")));
    }

    [Fact]
    public async Task An_oci_archive_is_refused_because_trivy_0_44_cannot_read_it()
    {
        var archive = Path.Combine(folder, "image.oci.tar");
        File.WriteAllText(archive, "not empty");
        var e = await Assert.ThrowsAsync<ToolInputException>(() => Dummy("dev").SbomAsync(archive, Path.Combine(folder, "out.json"), Ct));
        Assert.Contains("export a docker-archive instead", e.Message, StringComparison.Ordinal);
    }
}
