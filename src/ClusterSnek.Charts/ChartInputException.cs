namespace ClusterSnek.Charts;

/// <summary>Bad chart input (values file, subchart, chart folder); the message names the file, line and fix.</summary>
public sealed class ChartInputException(string message) : Exception(message);
