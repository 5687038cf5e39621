namespace Benchmarks.Comparison;

/// <summary>Bad comparer input (missing file, malformed JSON, nothing to compare): the message names the file and the problem.</summary>
public sealed class ResultsInputException(string message, Exception? inner = null) : Exception(message, inner);
