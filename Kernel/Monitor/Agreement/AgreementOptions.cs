namespace Multikernel.Monitor.Agreement;

/// <summary>
/// Timeouts of the agreement protocol, in the caller's time unit (the monitors use CPU cycles, the simulation its
/// steps): the state machines never read a clock, they are told the time.
/// </summary>
public sealed record AgreementOptions
{
    /// <summary>A 2PC whose votes are not all in this long after it started aborts.</summary>
    public long VoteTimeout { get; init; } = 50_000_000;
    /// <summary>A decision (or 1PC apply) not acknowledged by everyone this long after it was sent is sent again, as a new attempt.</summary>
    public long RetransmitInterval { get; init; } = 50_000_000;

    public void Validate()
    {
        if (VoteTimeout <= 0) throw new ArgumentOutOfRangeException(nameof(VoteTimeout), VoteTimeout, "the vote timeout must be positive");
        if (RetransmitInterval <= 0) throw new ArgumentOutOfRangeException(nameof(RetransmitInterval), RetransmitInterval, "the retransmit interval must be positive");
    }
}
