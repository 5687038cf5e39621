namespace Benchmarks.Comparison;

/// <summary>
/// The raw per-operation times of one benchmark (BenchmarkDotNet "Workload/Actual" iterations: nanoseconds divided
/// by operations), pooled over every result file of one side of a comparison.
/// </summary>
public sealed class BenchmarkSamples(string name)
{
    readonly List<double> _nanosecondsPerOp = new();

    /// <summary>The benchmark's full name (namespace.type.method plus parameters), the key both sides are matched on.</summary>
    public string Name => name;
    public IReadOnlyList<double> NanosecondsPerOp => _nanosecondsPerOp;
    /// <summary>Bytes allocated per operation as the memory diagnoser reported (max over files); null when not measured.</summary>
    public double? BytesAllocatedPerOp { get; private set; }

    public void Add(double nanosecondsPerOp) => _nanosecondsPerOp.Add(nanosecondsPerOp);

    public void AddAllocation(double bytesPerOp) => BytesAllocatedPerOp = Math.Max(BytesAllocatedPerOp ?? 0, bytesPerOp);

    public double Median() => SampleSummary.MedianOf(_nanosecondsPerOp);
}
