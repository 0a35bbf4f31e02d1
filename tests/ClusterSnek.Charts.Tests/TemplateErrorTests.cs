using ClusterSnek.Stack;
using ClusterSnek.Tools;

namespace ClusterSnek.Charts.Tests;

/// <summary>
/// A template that reads a value nobody set (a nil pointer), rendered and linted by the real pinned helm: the one-line error keeps
/// the template position AND the reason, which helm prints on the lines below the position.
/// </summary>
public sealed class TemplateErrorTests
{
    static readonly StackManifest Stack = ManifestReader.Load(Repo.Root / StackManifest.FileName);
    const string Reason = "at <.Values.quotaOverrides.cpu>: nil pointer evaluating interface {}.cpu "
        + "(.Values.quotaOverrides is not set: give it a value in the values file, or guard the template with 'with' or 'default')";

    /// <summary>A copy of the charts whose umbrella quota.yaml reads .Values.quotaOverrides.cpu at line 13, column 11.</summary>
    static string BrokenChart()
    {
        var chart = Path.Combine(Repo.CopyCharts(), "clustersnek");
        File.AppendAllText(Path.Combine(chart, "templates", "quota.yaml"), "# cpu: {{ .Values.quotaOverrides.cpu }}\n");
        return chart;
    }

    [Fact]
    public async Task Helm_lint_of_a_nil_pointer_keeps_the_position_and_the_reason()
    {
        var chart = BrokenChart();
        var request = new PackageRequest(chart, new Dictionary<string, string> { ["dev"] = Path.Combine(chart, "values-dev.yaml") },
            Stack.Services.Select(s => s.Name).ToList(), "1a2b3c4d5e6f7a8b", Repo.TempDirectory());
        var packager = new ChartPackager(new Helm(await Repo.HelmAsync()));
        var e = await Assert.ThrowsAsync<ChartInputException>(() => packager.PackageAsync(request));
        Assert.Contains("clustersnek/templates/quota.yaml:32:", e.Message);
        Assert.EndsWith(Reason, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain("chart(s) linted", e.Message);
    }

    [Fact]
    public async Task Helm_template_of_a_nil_pointer_keeps_the_position_and_the_reason()
    {
        var chart = BrokenChart();
        var helm = new Helm(await Repo.HelmAsync());
        await helm.DependencyBuildAsync(chart);
        var request = new RenderRequest(chart, "clustersnek", "clustersnek-dev", [Path.Combine(chart, "values-dev.yaml")],
            Stack.Services.Select(s => ServiceImage.Placeholder(s.Name)).ToList());
        var e = await Assert.ThrowsAsync<ChartInputException>(() => new ChartRenderer(helm).RenderAsync(request, Path.Combine(Repo.TempDirectory(), "m.yaml")));
        Assert.Contains("clustersnek/templates/quota.yaml:32:", e.Message);
        Assert.EndsWith(Reason, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
