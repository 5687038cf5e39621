namespace Multikernel.Drivers;

/// <summary>
/// Measures the managed bytes a dispatcher's core thread allocates while a work counter (packets, requests) goes
/// from <see cref="From"/> to <see cref="To"/>: the check that a hot path allocates nothing in steady state.
/// The window is counted in two halves as well (<see cref="FirstHalfBytes"/>, <see cref="SecondHalfBytes"/>): an
/// allocation per unit of work shows in both, while a one-off on the same thread (the runtime promoting a method to
/// optimized code, another dispatcher of the core handling a background message) shows in one at most, so
/// <see cref="CleanerHalfBytes"/> is zero exactly when the work itself allocated nothing in one of the halves.
/// Observed only on the owning core's thread; costs two compares per observation when disarmed.
/// </summary>
public sealed class AllocationProbe
{
    long _start = -1;
    bool _split; // the middle was observed before the end

    public long From { get; }
    public long To { get; }
    /// <summary>Where the first half ends and the second begins.</summary>
    public long Middle => From + (To - From) / 2;
    /// <summary>Bytes allocated on the thread between the two counts; null until the counter has passed <see cref="To"/>.</summary>
    public long? Bytes { get; private set; }
    /// <summary>Bytes allocated while the counter went from <see cref="From"/> to <see cref="Middle"/>; null until then.</summary>
    public long? FirstHalfBytes { get; private set; }
    /// <summary>Bytes allocated while the counter went from <see cref="Middle"/> to <see cref="To"/>; null until then.</summary>
    public long? SecondHalfBytes => Bytes - FirstHalfBytes;
    /// <summary>
    /// The smaller of the two halves' bytes; null until the window has passed. The whole window's bytes where one
    /// observation passed both <see cref="Middle"/> and <see cref="To"/> (then the halves were not told apart).
    /// </summary>
    public long? CleanerHalfBytes => Bytes is null ? null : _split ? Math.Min(FirstHalfBytes!.Value, SecondHalfBytes!.Value) : Bytes;

    public AllocationProbe(long from, long to)
    {
        if (from < 0 || to - from < 2) throw new ArgumentException($"probe window must be 0 <= from and hold at least 2 counts (two halves); got {from}..{to}");
        From = from;
        To = to;
    }

    public void Observe(long count)
    {
        if (Bytes != null || count < From) return;
        if (_start < 0) { _start = GC.GetAllocatedBytesForCurrentThread(); return; }
        if (FirstHalfBytes is null)
        {
            if (count < Middle) return;
            FirstHalfBytes = GC.GetAllocatedBytesForCurrentThread() - _start;
            _split = count < To;
            if (_split) return;
        }
        if (count >= To) Bytes = GC.GetAllocatedBytesForCurrentThread() - _start;
    }

    /// <summary>The window's bytes, and per half, for a test's message.</summary>
    public override string ToString() => Bytes is null
        ? $"window {From}..{To} not passed"
        : $"{Bytes} B over {From}..{To} ({FirstHalfBytes} B in the first half, {SecondHalfBytes} B in the second)";
}
