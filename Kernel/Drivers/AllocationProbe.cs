namespace Multikernel.Drivers;

/// <summary>
/// Measures the managed bytes a dispatcher's core thread allocates while a work counter (packets, requests) goes
/// from <see cref="From"/> to <see cref="To"/>: the check that a hot path allocates nothing in steady state.
/// Observed only on the owning core's thread; costs two compares per observation when disarmed.
/// </summary>
public sealed class AllocationProbe
{
    long _start = -1;

    public long From { get; }
    public long To { get; }
    /// <summary>Bytes allocated on the thread between the two counts; null until the counter has passed <see cref="To"/>.</summary>
    public long? Bytes { get; private set; }

    public AllocationProbe(long from, long to)
    {
        if (from < 0 || to <= from) throw new ArgumentException($"probe window must be 0 <= from < to; got {from}..{to}");
        From = from;
        To = to;
    }

    public void Observe(long count)
    {
        if (Bytes != null || count < From) return;
        if (_start < 0) { _start = GC.GetAllocatedBytesForCurrentThread(); return; }
        if (count >= To) Bytes = GC.GetAllocatedBytesForCurrentThread() - _start;
    }
}
