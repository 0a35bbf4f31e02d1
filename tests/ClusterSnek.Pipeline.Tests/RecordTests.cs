using System.Text.Json.Nodes;
using Json.Schema;

namespace ClusterSnek.Pipeline.Tests;

/// <summary>
/// The typed record through the real engine: one writer per section, readers ordered after writers, cached targets replaying
/// their sections, partial runs reading the last run's sections (and saying so), and what a run writes validating against the
/// generated docs/pipeline.schema.json.
/// </summary>
[Collection("Engine")]
public sealed class RecordTests
{
    /// <summary>Stands in for the project's Test and Report targets, with the project's real Tests section.</summary>
    sealed class Stages : PipelineBuild
    {
        [Parameter("passed count")] public int Passed { get; set; } = 3;
        [Parameter("fail the writer")] public bool Break { get; set; }
        public int TestRuns { get; private set; }
        public TestRecord? Seen { get; private set; }
        public CarriedSection? SeenFrom { get; private set; }
        public List<string> Order { get; } = [];

        public Target Test => _ => _.Inputs(() => [Passed.ToString(System.Globalization.CultureInfo.InvariantCulture), Break.ToString()]).Executes(async () =>
        {
            await Task.Delay(200);
            TestRuns++;
            if (Break) throw new InvalidOperationException("tests broke");
            Run.Set(Sections.Tests, new TestRecord(Passed, 0, 0, []));
            lock (Order) Order.Add("Test");
        });

        public Target Summarise => _ => _.Reads(Sections.Tests).Executes(() =>
        {
            Seen = Run.Get(Sections.Tests);
            SeenFrom = Run.CarriedFrom(Sections.Tests);
            lock (Order) Order.Add("Summarise");
        });

        public Target Sneaky => _ => _.Executes(() => Run.Set(Sections.Tests, new TestRecord(0, 1, 0, ["x"])));
        public Target Nosy => _ => _.Executes(() => Seen = Run.Get(Sections.Tests));
    }

    [Fact]
    public void A_reader_runs_after_the_writer_of_its_section_when_both_are_in_the_run()
    {
        using var root = new TempRoot();
        var build = new Stages();
        var (exit, output) = Engine.Run(build, root, "Summarise", "Test", "--max-parallel", "4");
        Assert.True(exit == 0, output);
        Assert.Equal(["Test", "Summarise"], build.Order);
        Assert.Equal(3, build.Seen!.Passed);
        Assert.Null(build.SeenFrom);
    }

    [Fact]
    public void A_partial_run_reads_the_last_runs_section_and_says_which_run_it_came_from()
    {
        using var root = new TempRoot();
        Engine.Run(new Stages { Passed = 7 }, root, "Test");
        var reader = new Stages();
        var (exit, output) = Engine.Run(reader, root, "Summarise");
        Assert.True(exit == 0, output);
        Assert.Equal(7, reader.Seen!.Passed);
        Assert.Equal((1, "Test"), (reader.SeenFrom!.Run, reader.SeenFrom.Writer));
        Assert.Contains("Using tests from run 1", output);
        var document = PipelineDocument.Read(root.Path / "artifacts" / "pipeline.json");
        Assert.Equal(2, document.Run.Number);
        Assert.Equal(7, document.Tests!.Passed);
        Assert.Equal("tests", Assert.Single(document.Carried).Section);
    }

    [Fact]
    public void A_failed_run_keeps_what_the_last_good_run_recorded_and_each_run_is_kept_under_artifacts_runs()
    {
        using var root = new TempRoot();
        Engine.Run(new Stages { Passed = 5 }, root, "Test");
        var (exit, _) = Engine.Run(new Stages { Break = true }, root, "Test");
        Assert.Equal(1, exit);
        var document = PipelineDocument.Read(root.Path / "artifacts" / "pipeline.json");
        Assert.Equal(TargetStatus.Failed, document.Target("Test")!.Status);
        Assert.Equal(5, document.Tests!.Passed);
        Assert.Equal(1, document.CarriedFrom(Sections.Tests)!.Run);
        Assert.Equal(5, PipelineDocument.Read(root.Path / "artifacts" / "runs" / "1" / "pipeline.json").Tests!.Passed);
        Assert.True(File.Exists(root.Path / "artifacts" / "runs" / "2" / "pipeline.json"));
    }

    [Fact]
    public void A_cached_writer_replays_its_typed_section()
    {
        using var root = new TempRoot();
        Engine.Run(new Stages { Passed = 9 }, root, "Test");
        var again = new Stages { Passed = 9 };
        Engine.Run(again, root, "Test", "Summarise");
        Assert.Equal(0, again.TestRuns);
        Assert.Equal("Cached", root.Status("Test"));
        Assert.Equal(9, again.Seen!.Passed);
        Assert.Null(again.SeenFrom);
    }

    [Fact]
    public void Only_the_writer_of_a_section_may_write_it()
    {
        using var root = new TempRoot();
        var (exit, output) = Engine.Run(new Stages(), root, "Sneaky");
        Assert.Equal(1, exit);
        Assert.Contains("Sneaky tried to write the tests section of pipeline.json, which only Test writes.", output);
    }

    [Fact]
    public void A_target_that_reads_a_section_it_did_not_declare_fails_naming_the_declaration_to_add()
    {
        using var root = new TempRoot();
        var (exit, output) = Engine.Run(new Stages(), root, "Nosy");
        Assert.Equal(1, exit);
        Assert.Contains("add .Reads(Sections.Tests) to Nosy", output);
    }

    [Fact]
    public void A_record_of_an_older_schema_is_not_carried_and_one_line_says_so()
    {
        using var root = new TempRoot();
        root.Write("artifacts/pipeline.json", """{"schemaVersion":1,"run":{"number":4},"tests":{"passed":1}}""");
        var reader = new Stages();
        var (_, output) = Engine.Run(reader, root, "Summarise");
        Assert.Null(reader.Seen);
        Assert.Contains("is a record of schema version 1", output);
        Assert.Equal(5, PipelineDocument.Read(root.Path / "artifacts" / "pipeline.json").Run.Number);
    }

    [Fact]
    public void What_a_real_run_writes_validates_against_the_committed_schema()
    {
        using var root = new TempRoot();
        Engine.Run(new Stages(), root, "Test");
        Engine.Run(new Stages { Break = true }, root, "Test", "Summarise");
        var schema = JsonSchema.FromText(File.ReadAllText(RepositoryRoot() / PipelineSchema.RelativePath));
        var result = schema.Evaluate(System.Text.Json.JsonDocument.Parse(File.ReadAllText(root.Path / "artifacts" / "pipeline.json")).RootElement,
            new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(result.IsValid, string.Join("; ", (result.Details ?? []).Where(d => d.Errors is not null)
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")).Take(5)));
    }

    [Fact]
    public void The_committed_schema_is_the_one_generated_from_the_record()
    {
        var generated = PipelineSchema.Generate();
        var file = RepositoryRoot() / PipelineSchema.RelativePath;
        if (Environment.GetEnvironmentVariable("CLUSTERSNEK_UPDATE_EXPECTATIONS") == "1") File.WriteAllText(file, generated);
        Assert.True(generated == File.ReadAllText(file),
            $"{PipelineSchema.RelativePath} drifted from src/ClusterSnek.Record: run ./build.sh GenerateSchemas (or CLUSTERSNEK_UPDATE_EXPECTATIONS=1) and commit it.");
    }

    [Fact]
    public void Every_section_is_a_property_of_the_document_with_the_same_type()
    {
        foreach (var section in Sections.All)
        {
            var property = typeof(PipelineDocument).GetProperties().Single(p => string.Equals(p.Name, section.Name, StringComparison.OrdinalIgnoreCase));
            Assert.Equal(section.ValueType, property.PropertyType);
        }
    }

    static AbsolutePath RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ClusterSnek.sln"))) return new AbsolutePath(dir.FullName);
        throw new InvalidOperationException("ClusterSnek.sln not found above " + AppContext.BaseDirectory);
    }
}
