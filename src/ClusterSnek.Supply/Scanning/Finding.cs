namespace ClusterSnek.Supply.Scanning;

/// <summary>Trivy's severities, lowest first.</summary>
public enum Severity { Unknown, Low, Medium, High, Critical }

/// <summary>What kind of problem a finding is.</summary>
public enum FindingKind { Vulnerability, Secret, Misconfiguration }

/// <summary>
/// One problem Trivy reported: a vulnerable package, a secret, or a misconfiguration. <see cref="Target"/> is the file
/// or layer path (or the package's target), <see cref="Line"/> where known.
/// </summary>
public sealed record Finding(
    FindingKind Kind, string Id, Severity Severity, string Title, string Target,
    string? Package = null, string? InstalledVersion = null, string? FixedVersion = null, int? Line = null, string? Url = null)
{
    public bool HasFix => !string.IsNullOrEmpty(FixedVersion);

    /// <summary>One line for the log: severity, id, where.</summary>
    public string Describe() => Kind switch
    {
        FindingKind.Vulnerability => $"{Severity.ToString().ToUpperInvariant()} {Id} in {Package} {InstalledVersion}" + (HasFix ? $" (fixed in {FixedVersion})" : " (no fix yet)") + $" [{Target}]",
        _ => $"{Severity.ToString().ToUpperInvariant()} {Id} {Title} at {Target}" + (Line is { } l ? $":{l}" : ""),
    };
}

/// <summary>A scan that could not run or whose output could not be read; the message names the input and what to do.</summary>
public sealed class ScanFailedException(string message) : Exception(message);
