namespace Compute.Runtimes;

/// <summary>Creates the runtime for a sweep point: the multikernel threads package or one of the host baselines.</summary>
public static class RuntimeFactory
{
    /// <summary>Every runtime, in the order of the sweep's rows (the order each repetition runs them in is <c>Compute.Sweep.RuntimeOrder</c>'s).</summary>
    public static readonly IReadOnlyList<RuntimeKind> All = [RuntimeKind.Mk, RuntimeKind.Host, RuntimeKind.Pinned, RuntimeKind.HostSpin];

    /// <summary>A runtime with one worker per core in <paramref name="cores"/> (worker w on cores[w] where the runtime pins).</summary>
    public static IComputeRuntime Create(RuntimeKind kind, IReadOnlyList<int> cores) => kind switch
    {
        RuntimeKind.Host => new ParallelForRuntime(cores.Count),
        RuntimeKind.Pinned => new PinnedThreadsRuntime(cores, WaitPolicy.Blocking),
        RuntimeKind.HostSpin => new PinnedThreadsRuntime(cores, WaitPolicy.SpinThenBlock),
        RuntimeKind.Mk => new MultikernelThreadsRuntime(cores),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The name used in series and on the command line: "mk", "host", "pinned", "host-spin".</summary>
    public static string NameOf(RuntimeKind kind) => kind switch
    {
        RuntimeKind.Mk => "mk",
        RuntimeKind.Host => "host",
        RuntimeKind.Pinned => "pinned",
        RuntimeKind.HostSpin => "host-spin",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
