using Npb.Runtime;

namespace Compute.Runtimes;

/// <summary>
/// Creates the runtime for a sweep point, and is the seam where the multikernel threads runtime plugs in: when
/// Kernel/Threads lands on main, <see cref="RuntimeKind.Mk"/> gets an adapter from its fork-join API to
/// <see cref="IParallelRuntime"/> here, and <see cref="IsAvailable"/> returns true for it.
/// </summary>
public static class RuntimeFactory
{
    public const string MkUnavailable =
        "the multikernel threads runtime is not available yet: it needs the threads package (Kernel/Threads), " +
        "which has not landed on main; use host or pinned";

    /// <summary>Whether <paramref name="kind"/> can be created in this build; if not, <paramref name="reason"/> says why.</summary>
    public static bool IsAvailable(RuntimeKind kind, out string reason)
    {
        reason = kind == RuntimeKind.Mk ? MkUnavailable : "";
        return kind != RuntimeKind.Mk;
    }

    /// <summary>A runtime with one worker per core in <paramref name="cores"/> (worker w on cores[w] where the runtime pins).</summary>
    public static IParallelRuntime Create(RuntimeKind kind, IReadOnlyList<int> cores) => kind switch
    {
        RuntimeKind.Host => new ParallelForRuntime(cores.Count),
        RuntimeKind.Pinned => new PinnedThreadsRuntime(cores),
        RuntimeKind.Mk => throw new NotSupportedException(MkUnavailable),
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
