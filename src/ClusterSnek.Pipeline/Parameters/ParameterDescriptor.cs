using System.Reflection;

namespace ClusterSnek.Pipeline;

/// <summary>One declared parameter of a build class, read by reflection.</summary>
public sealed record ParameterDescriptor(MemberInfo Member, string Description, bool IsSecret, string? ExtraEnvironmentVariable)
{
    public string Name => Member.Name;
    public string Flag => "--" + ParameterNames.ToKebab(Name);
    public string EnvironmentVariable => ParameterNames.ToEnvironment(Name);
    public Type Type => Member is FieldInfo f ? f.FieldType : ((PropertyInfo)Member).PropertyType;
    public Type ValueType => Nullable.GetUnderlyingType(Type) ?? Type;
    public bool IsSwitch => ValueType == typeof(bool);
    public bool IsArray => ValueType.IsArray;

    /// <summary>The range a given number must fall in, and whether a given path must exist (from <see cref="ParameterAttribute"/>).</summary>
    public int Minimum { get; init; } = int.MinValue;
    public int Maximum { get; init; } = int.MaxValue;
    public bool MustExist { get; init; }

    /// <summary>"1 or more", "1 to 65535"; null when any integer is allowed.</summary>
    public string? RangeText => (Minimum, Maximum) switch
    {
        (int.MinValue, int.MaxValue) => null,
        (var min, int.MaxValue) => $"{min} or more",
        (int.MinValue, var max) => $"{max} or less",
        var (min, max) => $"{min} to {max}",
    };

    public object? GetValue(object build) => Member is FieldInfo f ? f.GetValue(build) : ((PropertyInfo)Member).GetValue(build);

    public void SetValue(object build, object? value)
    {
        if (Member is FieldInfo f) f.SetValue(build, value);
        else ((PropertyInfo)Member).SetValue(build, value);
    }

    public string TypeName => ValueType switch
    {
        var t when t == typeof(string) => "string",
        var t when t == typeof(bool) => "bool",
        var t when t == typeof(int) => "int",
        var t when t == typeof(AbsolutePath) => "path",
        var t when t.IsEnum => string.Join("|", Enum.GetNames(t)),
        var t when t.IsArray => (t.GetElementType()!.IsEnum ? string.Join("|", Enum.GetNames(t.GetElementType()!)) : "string") + "[]",
        var t => t.Name,
    };

    public static IReadOnlyList<ParameterDescriptor> Discover(Type buildType) =>
        buildType.GetMembers(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.FlattenHierarchy)
            .Where(m => m is FieldInfo or PropertyInfo)
            .Select(m => (Member: m, Attribute: m.GetCustomAttribute<ParameterAttribute>()))
            .Where(x => x.Attribute is not null)
            .Select(x => new ParameterDescriptor(x.Member, x.Attribute!.Description, x.Member.GetCustomAttribute<SecretAttribute>() is not null, x.Attribute.EnvironmentVariable)
            {
                Minimum = x.Attribute.Minimum, Maximum = x.Attribute.Maximum, MustExist = x.Attribute.MustExist,
            })
            .GroupBy(p => p.Name).Select(g => g.First())
            .OrderBy(p => p.Member.DeclaringType == typeof(PipelineBuild) ? 1 : 0).ThenBy(p => p.Name, StringComparer.Ordinal)
            .ToList();
}
