using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace ClusterSnek.Stack;

/// <summary>Reads clustersnek.yaml into a <see cref="StackManifest"/>, checking every field where it stands.</summary>
public static partial class ManifestReader
{
    [GeneratedRegex("^[a-z][a-z0-9-]{0,40}$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex("^(?<repo>[a-z0-9][a-z0-9._:/-]*[a-z0-9])@(?<digest>sha256:[a-f0-9]{64})$")]
    private static partial Regex PinnedImage();

    public static StackManifest Load(string path)
    {
        if (!File.Exists(path))
            throw new ManifestException($"{path}: not found. Create {StackManifest.FileName} at the repository root (see docs/manifest.md).");
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ManifestException($"{path}: cannot be read ({e.Message.TrimEnd('.')}). Make the file readable by this user.");
        }
        return Parse(text, path);
    }

    public static StackManifest Parse(string yaml, string file)
    {
        YamlStream stream;
        try { stream = YamlText.Load(new StringReader(yaml)); }
        catch (YamlSyntaxException e)
        {
            throw new ManifestException($"{file}:{e.Line}:{e.Column}: not valid YAML: {e.Reason}. Fix the YAML there (docs/manifest.md shows the format).");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new ManifestException($"{file}:1:1: expected a mapping with name, registry, services, environments.");
        var r = new Reader(file);
        r.Keys(root, "name", "registry", "services", "environments", "chart", "signing", "policies", "trustedImages", "cache");

        var name = r.Text(root, "name", required: true)!;
        var registry = r.Map(root, "registry");
        var registrySettings = registry is null
            ? new RegistrySettings("clustersnek", 5000, "base/dotnet-deps")
            : r.Keys(registry, "repository", "preferredPort", "baseImageRepository") is var _
                ? new RegistrySettings(r.Text(registry, "repository") ?? "clustersnek", r.Int(registry, "preferredPort", 1, 65535) ?? 5000,
                    r.Text(registry, "baseImageRepository") ?? "base/dotnet-deps")
                : null!;

        var services = new List<ServiceSpec>();
        var servicesNode = r.Seq(root, "services", required: true)!;
        foreach (var item in servicesNode.Children)
        {
            var s = r.AsMap(item, "a service (name, project, port, health, ready)");
            r.Keys(s, "name", "project", "port", "health", "ready", "dependsOn");
            var serviceName = r.Text(s, "name", required: true)!;
            if (!DnsLabel().IsMatch(serviceName)) throw r.Error(s["name"], $"service name '{serviceName}' must be a DNS label (lowercase letters, digits, '-')");
            if (services.Any(x => x.Name == serviceName)) throw r.Error(s["name"], $"service '{serviceName}' is defined twice");
            var port = r.Int(s, "port", 1024, 65535, required: true)!.Value;
            if (services.FirstOrDefault(x => x.Port == port) is { } clash) throw r.Error(s["port"], $"port {port} is already used by service '{clash.Name}'; each service needs its own port");
            services.Add(new ServiceSpec(serviceName, r.Text(s, "project", required: true)!, port,
                r.Path(s, "health") ?? "/healthz", r.Path(s, "ready") ?? "/readyz", r.List(s, "dependsOn")));
        }
        if (services.Count == 0) throw r.Error(servicesNode, "at least one service is needed");
        foreach (var s in services)
            foreach (var dep in s.DependsOn.Where(d => services.All(x => x.Name != d)))
                throw new ManifestException($"{file}: service '{s.Name}' depends on unknown service '{dep}'; defined: {string.Join(", ", services.Select(x => x.Name))}.");

        var environments = new List<EnvironmentSpec>();
        var envs = r.Map(root, "environments", required: true)!;
        foreach (var (keyNode, valueNode) in envs.Children)
        {
            var envName = r.Key(keyNode);
            if (!DnsLabel().IsMatch(envName)) throw r.Error(keyNode, $"environment name '{envName}' must be a DNS label");
            var e = r.AsMap(valueNode, "an environment (namespace, values, replicas)");
            r.Keys(e, "namespace", "values", "replicas");
            var ns = r.Text(e, "namespace", required: true)!;
            if (!DnsLabel().IsMatch(ns)) throw r.Error(e["namespace"], $"namespace '{ns}' must be a DNS label");
            environments.Add(new EnvironmentSpec(envName, ns, r.Text(e, "values", required: true)!, r.Int(e, "replicas", 1, 50) ?? 1));
        }
        if (environments.Count == 0) throw r.Error(envs, "at least one environment is needed");

        var chart = r.Map(root, "chart");
        if (chart is not null) r.Keys(chart, "path", "release");
        var signing = r.Map(root, "signing");
        if (signing is not null) r.Keys(signing, "publicKey", "developmentKeyDirectory");
        var policies = r.Map(root, "policies");
        if (policies is not null) r.Keys(policies, "directory", "exceptions", "allowedRegistries");

        var cache = r.Map(root, "cache");
        if (cache is not null) r.Keys(cache, "repository", "retentionDays", "keepPerTarget");
        var cacheSettings = cache is null ? new CacheSettings(null, 14, 20)
            : new CacheSettings(r.Text(cache, "repository"), r.Int(cache, "retentionDays", 0, 3650) ?? 14, r.Int(cache, "keepPerTarget", 1, 10000) ?? 20);

        var trusted = new List<TrustedImage>();
        foreach (var item in r.Seq(root, "trustedImages")?.Children ?? [])
        {
            var t = r.AsMap(item, "a trusted image (image: repository@sha256:<64 hex>, publicKey: path of its signer's public key)");
            r.Keys(t, "image", "publicKey");
            var image = r.Text(t, "image", required: true)!;
            var match = PinnedImage().Match(image);
            if (!match.Success || match.Groups["repo"].Value.Split('/')[^1].Contains(':'))
                throw r.Error(t["image"],
                    $"trusted image '{image}' must be pinned by digest (repository@sha256:<64 hex>), without a tag; a tag can be moved");
            if (trusted.Any(x => x.Pinned == image)) throw r.Error(t["image"], $"trusted image '{image}' is declared twice");
            trusted.Add(new TrustedImage(match.Groups["repo"].Value, match.Groups["digest"].Value, r.Text(t, "publicKey", required: true)!,
                (int)t.Start.Line));
        }

        return new StackManifest(name, registrySettings, services, environments,
            new ChartSettings(chart is null ? "charts/clustersnek" : r.Text(chart, "path") ?? "charts/clustersnek", chart is null ? name : r.Text(chart, "release") ?? name),
            new SigningSettings(signing is null ? "cosign.pub" : r.Text(signing, "publicKey") ?? "cosign.pub",
                signing is null ? "~/.clustersnek/keys/dev" : r.Text(signing, "developmentKeyDirectory") ?? "~/.clustersnek/keys/dev"),
            new PolicySettings(policies is null ? "policies" : r.Text(policies, "directory") ?? "policies",
                policies is null ? "policies/exceptions.yaml" : r.Text(policies, "exceptions") ?? "policies/exceptions.yaml",
                policies is null ? [] : r.List(policies, "allowedRegistries")))
        { TrustedImages = trusted, Cache = cacheSettings };
    }

    sealed class Reader(string file)
    {
        public ManifestException Error(YamlNode node, string message) =>
            new($"{file}:{node.Start.Line}:{node.Start.Column}: {message}.");

        public bool Keys(YamlMappingNode map, params string[] allowed)
        {
            foreach (var key in map.Children.Keys)
            {
                var k = Key(key);
                if (!allowed.Contains(k))
                    throw Error(key, $"unknown key '{k}'; expected one of: {string.Join(", ", allowed)}");
            }
            return true;
        }

        /// <summary>A mapping key as text; a key that is itself a list or mapping ('? [a]: b') is refused where it stands.</summary>
        public string Key(YamlNode key) =>
            key is YamlScalarNode { Value: var v } ? v ?? "" : throw Error(key, "a key must be plain text, not a list or mapping");

        YamlNode? Child(YamlMappingNode map, string key, bool required, string expected)
        {
            if (map.Children.TryGetValue(new YamlScalarNode(key), out var node)) return node;
            if (required) throw Error(map, $"missing '{key}' ({expected})");
            return null;
        }

        public YamlMappingNode AsMap(YamlNode node, string expected) =>
            node as YamlMappingNode ?? throw Error(node, $"expected {expected}");

        public YamlMappingNode? Map(YamlMappingNode parent, string key, bool required = false) =>
            Child(parent, key, required, "a mapping") is { } n ? AsMap(n, $"'{key}' to be a mapping") : null;

        public YamlSequenceNode? Seq(YamlMappingNode parent, string key, bool required = false) =>
            Child(parent, key, required, "a list") is { } n ? n as YamlSequenceNode ?? throw Error(n, $"expected '{key}' to be a list") : null;

        public string? Text(YamlMappingNode parent, string key, bool required = false)
        {
            if (Child(parent, key, required, "text") is not { } n) return null;
            if (n is not YamlScalarNode { Value: { Length: > 0 } v }) throw Error(n, $"expected '{key}' to be non-empty text");
            return v;
        }

        public string? Path(YamlMappingNode parent, string key)
        {
            var v = Text(parent, key);
            if (v is not null && !v.StartsWith('/')) throw Error(parent[key], $"'{key}' must be an HTTP path starting with '/', got '{v}'");
            return v;
        }

        public int? Int(YamlMappingNode parent, string key, int min, int max, bool required = false)
        {
            if (Child(parent, key, required, $"a number {min}-{max}") is not { } n) return null;
            if (n is YamlScalarNode { Value: { } v } && int.TryParse(v, out var i) && i >= min && i <= max) return i;
            throw Error(n, $"expected '{key}' to be a whole number from {min} to {max}, got '{(n as YamlScalarNode)?.Value}'");
        }

        public IReadOnlyList<string> List(YamlMappingNode parent, string key)
        {
            if (Child(parent, key, false, "a list") is not { } n) return [];
            if (n is not YamlSequenceNode seq) throw Error(n, $"expected '{key}' to be a list");
            return seq.Children.Select(c => c is YamlScalarNode { Value: { } v } ? v : throw Error(c, $"expected '{key}' items to be text")).ToList();
        }
    }
}
