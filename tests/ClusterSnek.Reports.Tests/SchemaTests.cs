using System.Text.Json;
using System.Text.Json.Nodes;
using ClusterSnek.Pipeline;
using Json.Schema;

namespace ClusterSnek.Reports.Tests;

public sealed class SchemaTests
{
    static readonly JsonSchema Schema = JsonSchema.FromFile(Fixture.RepositoryRoot / "docs" / "pipeline.schema.json");

    internal static IReadOnlyList<string> Errors(JsonNode document)
    {
        using var json = JsonDocument.Parse(document.ToJsonString());
        var result = Schema.Evaluate(json.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        return result.IsValid ? [] : (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")).ToList();
    }

    [Fact]
    public void A_full_run_with_every_stage_section_matches_the_schema() => Assert.Empty(Errors(Fixture.Full));

    [Fact]
    public void A_run_that_failed_early_matches_the_schema() => Assert.Empty(Errors(Fixture.Partial));

    [Fact]
    public void What_the_engine_writes_matches_the_schema()
    {
        var record = new RunRecord { Requested = ["Scan"], Commit = new string('a', 40), Branch = "main" };
        var now = DateTimeOffset.UtcNow;
        record.Targets.Add(new TargetResult("Compile", TargetStatus.Succeeded, TimeSpan.FromSeconds(2), null, now, now.AddSeconds(2)));
        record.Targets.Add(new TargetResult("Scan", TargetStatus.NotRun, TimeSpan.Zero, "dependency Compile failed", null, null));
        record.Parameters["Env"] = "dev";
        record.Parameters["RegistryPassword"] = Redactor.Mask;
        record.AddTool(new ToolUse("helm", "v4.2.3", "/x/helm"));
        record.Patch("images", "service", "backend", new { reference = "127.0.0.1:5000/clustersnek/backend", digest = "sha256:abcd", sizeBytes = 10L });
        record.Patch("images", "service", "backend", new { scan = new { critical = 0, high = 1, gate = "passed", vulnerabilityScan = "not run: no DB" } });
        Assert.Empty(Errors(record.ToJson()));
    }

    [Fact]
    public void An_unknown_target_status_does_not_match_the_schema()
    {
        var document = Fixture.Partial;
        document["targets"]![0]!["status"] = "Exploded";
        Assert.NotEmpty(Errors(document));
    }

    [Fact]
    public void An_image_digest_that_is_not_sha256_does_not_match_the_schema()
    {
        var document = Fixture.Full;
        document["images"]![0]!["digest"] = "latest";
        Assert.Contains(Errors(document), e => e.StartsWith("/images/0/digest", StringComparison.Ordinal));
    }
}
