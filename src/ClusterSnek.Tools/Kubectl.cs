namespace ClusterSnek.Tools;

/// <summary>Typed kubectl calls (anything reading -f needs an API server; <c>kustomize</c> and <c>--local</c> do not).</summary>
public sealed class Kubectl(ResolvedTool tool) : ToolWrapper(tool)
{
    public async Task<string> KustomizeAsync(string directory, CancellationToken cancellation = default) =>
        (await RunAsync(["kustomize", directory], null, cancellation)).StandardOutput;

    public Task<ToolResult> RunAsync(string? context, IReadOnlyList<string> arguments, bool requireSuccess = true, CancellationToken cancellation = default) =>
        base.RunAsync([.. context is null ? Array.Empty<string>() : ["--context", context], .. arguments], new ToolCallOptions { RequireSuccess = requireSuccess }, cancellation);
}
