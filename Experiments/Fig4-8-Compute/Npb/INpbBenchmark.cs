using Npb.Runtime;

namespace Npb;

/// <summary>
/// A benchmark instance for one class: construction allocates its arrays; each <see cref="Run"/> redoes NPB's
/// untimed setup, then the timed region, then verification against the official values, and can be repeated on
/// any runtime and worker count.
/// </summary>
public interface INpbBenchmark
{
    /// <summary>"CG", "FT" or "IS".</summary>
    string Name { get; }

    ProblemClass Class { get; }

    /// <summary>
    /// True while <see cref="Run"/> is inside its timed region, false before and after it: a runtime can tell the
    /// untimed part's loops from the timed ones. Invariant: every loop body the timed region runs has run before it in
    /// the same <see cref="Run"/>, so that the JIT compiles no loop inside the timed region of a process's first run.
    /// </summary>
    bool InTimedRegion { get; }

    NpbResult Run(IParallelRuntime runtime);
}
