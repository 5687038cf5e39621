using Compute.Runtimes;

namespace Compute.Sweep;

/// <summary>One benchmark of the compute sweep with its input: what its rows are called and how a point is measured.</summary>
public abstract class ComputeBench
{
    /// <summary>Series prefix, e.g. "CG", "BARNES".</summary>
    public abstract string Name { get; }

    /// <summary>The rows' Param, e.g. "bench=cg;class=A" or "bench=barnes;input=standard;bodies=16384;steps=4".</summary>
    public abstract string Param { get; }

    /// <summary>How the point names it, e.g. "CG.A", "BARNES.standard".</summary>
    public abstract string Label { get; }

    /// <summary>The input in words, for meta.json.</summary>
    public abstract string Description { get; }

    /// <summary>Relative cost of one run on one core, for the time-left estimate.</summary>
    public abstract double Weight { get; }

    /// <summary>Whether its runs give a work rate (NPB's Mop/s), so that its points have "mops" rows.</summary>
    public virtual bool CountsOperations => false;

    /// <summary>
    /// One repetition on <paramref name="runtime"/>, which the sweep creates for this repetition alone: any untimed
    /// warm-up the benchmark needs, then one timed run, verified.
    /// </summary>
    public abstract BenchRun RunOnce(IComputeRuntime runtime);

    /// <summary>The note of a point whose runs all passed (what was checked, allocations, warm-up).</summary>
    public abstract string Summarize(IReadOnlyList<BenchRun> runs);

    /// <summary>
    /// Runs <paramref name="run"/> and, on a runtime that counts what its user threads do (the multikernel's), gives
    /// their activity during it as a note suffix ("; its user threads: ..."); elsewhere the suffix is empty.
    /// </summary>
    protected static T WithThreadActivity<T>(IComputeRuntime runtime, Func<T> run, out string note)
    {
        var source = runtime as IThreadActivitySource;
        var before = source?.ReadActivity();
        var result = run();
        note = source is null ? "" : $"; its user threads: {(source.ReadActivity() - before!.Value).Describe()}";
        return result;
    }

    /// <summary>Drops what the benchmark keeps between points (its arrays), before the next benchmark allocates its own.</summary>
    public virtual void Release() { }
}
