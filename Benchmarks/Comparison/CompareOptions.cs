namespace Benchmarks.Comparison;

/// <summary>What <c>compare</c> was asked to do.</summary>
public sealed record CompareOptions(string Baseline, string Current, string Threshold = "5%", double Alpha = 0.05, bool AllowCrossMachine = false);
