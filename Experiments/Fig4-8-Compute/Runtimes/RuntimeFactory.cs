using Npb.Runtime;

namespace Compute.Runtimes;

/// <summary>Creates the runtime for a sweep point: the multikernel threads package or one of the host baselines.</summary>
public static class RuntimeFactory
{
    /// <summary>Whether <paramref name="kind"/> can be created in this build; if not, <paramref name="reason"/> says why.</summary>
    public static bool IsAvailable(RuntimeKind kind, out string reason)
    {
        reason = "";
        return Enum.IsDefined(kind);
    }

    /// <summary>A runtime with one worker per core in <paramref name="cores"/> (worker w on cores[w] where the runtime pins).</summary>
    public static IParallelRuntime Create(RuntimeKind kind, IReadOnlyList<int> cores) => kind switch
    {
        RuntimeKind.Host => new ParallelForRuntime(cores.Count),
        RuntimeKind.Pinned => new PinnedThreadsRuntime(cores),
        RuntimeKind.Mk => new MultikernelThreadsRuntime(cores),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The name used in series and on the command line: "mk", "host", "pinned".</summary>
    public static string NameOf(RuntimeKind kind) => kind switch
    {
        RuntimeKind.Mk => "mk",
        RuntimeKind.Host => "host",
        RuntimeKind.Pinned => "pinned",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
