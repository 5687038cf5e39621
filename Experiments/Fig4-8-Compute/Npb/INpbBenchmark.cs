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

    NpbResult Run(IParallelRuntime runtime);
}
