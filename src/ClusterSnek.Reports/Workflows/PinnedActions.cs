namespace ClusterSnek.Reports.Workflows;

/// <summary>
/// Every third-party action the generated workflows use, pinned by full commit SHA: a tag can be re-pointed
/// (trivy-action's were, in March 2026), a commit cannot. The tag is kept as a comment for people and Dependabot.
/// </summary>
public static class PinnedActions
{
    public sealed record Pin(string Action, string Sha, string Tag)
    {
        /// <summary>What <c>uses:</c> names (the tag goes beside it as a comment).</summary>
        public string Reference => $"{Action}@{Sha}";
    }

    public static readonly Pin Checkout = new("actions/checkout", "3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1");
    public static readonly Pin SetupDotNet = new("actions/setup-dotnet", "a98b56852c35b8e3190ac28c8c2271da59106c68", "v6.0.0");
    public static readonly Pin Cache = new("actions/cache", "27d5ce7f107fe9357f9df03efb73ab90386fccae", "v5.0.5");
    public static readonly Pin UploadArtifact = new("actions/upload-artifact", "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0");
    public static readonly Pin DownloadArtifact = new("actions/download-artifact", "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", "v8.0.1");
    public static readonly Pin CosignInstaller = new("sigstore/cosign-installer", "6f9f17788090df1f26f669e9d70d6ae9567deba6", "v4.1.2");
    public static readonly Pin KindAction = new("helm/kind-action", "ef37e7f390d99f746eb8b610417061a60e82a6cc", "v1.14.0");

    public static IReadOnlyList<Pin> All { get; } = [Checkout, SetupDotNet, Cache, UploadArtifact, DownloadArtifact, CosignInstaller, KindAction];
}
