namespace ClusterSnek.Pipeline;

/// <summary>A normalised absolute file-system path; <c>root / "artifacts"</c> composes.</summary>
public sealed record AbsolutePath
{
    public AbsolutePath(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Value = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar) is { Length: > 0 } p ? p : "/";
    }

    public string Value { get; }
    public string Name => Path.GetFileName(Value);
    public AbsolutePath Parent => new(Path.GetDirectoryName(Value) ?? Value);
    public bool Exists => File.Exists(Value) || Directory.Exists(Value);

    public static AbsolutePath operator /(AbsolutePath left, string right) => new(Path.Combine(left.Value, right));
    public static implicit operator string(AbsolutePath path) => path.Value;

    public AbsolutePath CreateDirectory() { Directory.CreateDirectory(Value); return this; }
    public string RelativeTo(AbsolutePath root) => Path.GetRelativePath(root.Value, Value);
    public bool IsInside(AbsolutePath folder) =>
        Value == folder.Value || Value.StartsWith(folder.Value + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    public override string ToString() => Value;
}
