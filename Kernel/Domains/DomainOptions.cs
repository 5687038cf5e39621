namespace Multikernel.Domains;

/// <summary>How a domain's dispatchers talk and wait.</summary>
public sealed record DomainOptions
{
    /// <summary>Slots of each one-way ring between two dispatchers of the domain (power of two).</summary>
    public int RingSlots { get; init; } = 64;

    /// <summary>
    /// How long a dispatcher keeps polling (its core does not sleep) after it took part in a fork-join region, so
    /// that the next region's fork reaches a spinning core instead of a sleeping one; and how long a master waiting
    /// for completions polls before it blocks on its core's notifier. OpenMP runtimes spin similarly between loops.
    /// </summary>
    public TimeSpan SpinAfterRegion { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>How long <see cref="Domain.DisposeAsync"/> waits for every dispatcher to leave its core.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
