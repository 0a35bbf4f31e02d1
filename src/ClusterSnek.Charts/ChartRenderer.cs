using System.Text;
using ClusterSnek.Tools;

namespace ClusterSnek.Charts;

/// <summary>What to render: the chart, release and namespace, values files in layering order, and the images to pin.</summary>
public sealed record RenderRequest(string ChartDirectory, string Release, string Namespace, IReadOnlyList<string> ValuesFiles,
    IReadOnlyList<ServiceImage> Images, string? ImageRegistry = null);

/// <summary>Renders the umbrella chart with <c>helm template</c>, pinning each service's image by digest.</summary>
public sealed class ChartRenderer(Helm helm)
{
    /// <summary>Checks inputs, writes the images overlay next to <paramref name="outputFile"/>, renders, and writes the manifests there.</summary>
    public async Task<string> RenderAsync(RenderRequest request, string outputFile, CancellationToken cancellation = default)
    {
        ChartSource.Load(request.ChartDirectory);
        foreach (var file in request.ValuesFiles) ValuesFile.Check(file);
        Directory.CreateDirectory(Path.GetDirectoryName(outputFile)!);
        var overlay = Path.ChangeExtension(outputFile, ".images.yaml");
        await File.WriteAllTextAsync(overlay, ImagesOverlay(request.Images, request.ImageRegistry), cancellation);

        // The overlay comes after the environment's file and before the user's --values, so a user can still override on purpose.
        var files = request.ValuesFiles.Take(1).Append(overlay).Concat(request.ValuesFiles.Skip(1)).ToList();
        string manifests;
        try
        {
            manifests = await helm.TemplateAsync(s => s with
            {
                Release = request.Release, Chart = request.ChartDirectory, Namespace = request.Namespace, ValuesFiles = files,
            }, cancellation);
        }
        catch (ToolFailedException e)
        {
            throw new ChartInputException($"helm template {request.ChartDirectory} ({string.Join(", ", request.ValuesFiles.Select(Path.GetFileName))}): {HelmFailure.Describe(e.Result)}");
        }
        await File.WriteAllTextAsync(outputFile, manifests, cancellation);
        return manifests;
    }

    /// <summary>A values file setting &lt;service&gt;.image.{repository,digest} (and global.imageRegistry when given).</summary>
    public static string ImagesOverlay(IReadOnlyList<ServiceImage> images, string? registry)
    {
        var text = new StringBuilder("# Written by ClusterSnek: the images this run deploys, by digest.\n");
        if (registry is not null) text.Append($"global:\n  imageRegistry: \"{registry}\"\n");
        foreach (var image in images)
        {
            text.Append($"{image.Service}:\n  image:\n");
            if (image.IsPlaceholder) text.Append("    # PLACEHOLDER digest: no image of this service was built in this run.\n");
            if (image.Repository is not null) text.Append($"    repository: \"{image.Repository}\"\n");
            text.Append($"    digest: \"{image.Digest}\"\n");
        }
        return text.ToString();
    }
}
