namespace Compute.Runtimes;

/// <summary>The runtimes a compute sweep can run the benchmarks on.</summary>
public enum RuntimeKind
{
    /// <summary>The multikernel's user-level threads package (Kernel/Threads).</summary>
    Mk,

    /// <summary>Host baseline: Parallel.For on the .NET thread pool; SPLASH teams on new unpinned threads (<see cref="ParallelForRuntime"/>).</summary>
    Host,

    /// <summary>Host baseline: pinned .NET threads with a blocking Barrier (<see cref="PinnedThreadsRuntime"/>).</summary>
    Pinned,

    /// <summary>Host baseline: pinned .NET threads with a spin-then-block barrier, OpenMP's active wait (<see cref="PinnedThreadsRuntime"/>).</summary>
    HostSpin,
}
