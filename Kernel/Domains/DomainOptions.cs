using Multikernel.Urpc;

namespace Multikernel.Domains;

/// <summary>How a domain's dispatchers talk and wait.</summary>
public sealed record DomainOptions
{
    /// <summary>The default <see cref="WaitPolicy"/>: poll 2 ms, checking without a pause, then sleep.</summary>
    public static readonly TimeSpan DefaultPollBudget = TimeSpan.FromMilliseconds(2);

    /// <summary>Slots of each one-way ring between two dispatchers of the domain (power of two).</summary>
    public int RingSlots { get; init; } = 64;

    /// <summary>
    /// How a dispatcher waits inside the domain: a master waiting for a fork-join region's completions, or a thief for
    /// steal replies, polls for the policy's budget before it blocks on its core's notifier; and after it took part in
    /// a region a dispatcher keeps its core polling (not sleeping) for the same budget, so that the next region's fork
    /// reaches a spinning core instead of a sleeping one (OpenMP runtimes spin similarly between loops).
    /// </summary>
    public WaitPolicy WaitPolicy { get; init; } = WaitPolicy.ForDuration(DefaultPollBudget, spinIterations: 0);

    /// <summary>
    /// When true, a dispatcher whose user threads wait on a threads-package primitive (a mutex, condition variable,
    /// barrier or join) keeps its core polling for the <see cref="WaitPolicy"/>'s budget after it last ran one of them,
    /// as after a fork-join region, so a wake-up message from another core finds it awake instead of asleep on its
    /// notifier: the active wait of OpenMP runtimes and of the host-spin baseline's barriers. False (the default): the
    /// core idles under its CPU driver's policy once nothing is ready.
    /// </summary>
    public bool PollWhileThreadsWait { get; init; }

    /// <summary>
    /// RAM each dispatcher gets from its core's RAM cache, in its own CSpace (a multiple of 4 KiB): what it retypes
    /// into frames and page tables (dispatcher 0's builds the domain's address space).
    /// </summary>
    public ulong RamBytes { get; init; } = 256 * 1024;

    /// <summary>How long <see cref="Domain.DisposeAsync"/> waits for every dispatcher to leave its core.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
