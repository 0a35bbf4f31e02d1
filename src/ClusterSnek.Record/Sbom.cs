namespace ClusterSnek.Record;

/// <summary>The sbom section (written by Sbom): one CycloneDX SBOM per image.</summary>
public sealed record SbomRecord(IReadOnlyList<SbomSummary> Images);

/// <summary>One image's SBOM: where it is, its format, component count and the distinct licences it names.</summary>
public sealed record SbomSummary(string Service, Digest Digest, string Path, string Format, string SpecVersion, int Components, IReadOnlyList<string> Licences);
