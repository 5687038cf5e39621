namespace Benchmarks.Runs;

/// <summary>The baseline revision could not be resolved or built.</summary>
public sealed class RevisionBuildException(string message) : Exception(message);
