namespace ClusterSnek.Images;

/// <summary>Marks the assembly; image build and distribution code lands here with the BuildImages issue.</summary>
internal static class AssemblyMarker;
