using System.Runtime.CompilerServices;
using Multikernel.Hardware;

namespace Fig1.SharedState;

/// <summary>
/// The server's cost per update, as in the paper: from taking a request from its ring (the cache miss of the
/// receive included) to its reply being published. Both servers poll in rounds (the raw server: one pass over its
/// client rings; the kernel server: one CPU-driver round) and the meter reads the TSC once per round, at its end:
/// a round that took timed requests costs (its end - the previous round's end) / (requests it took). A round that
/// took nothing is waiting, not cost, and is not counted; a server that pauses after such a round ends it after the
/// pause, so that the wait is not charged to the next round either. One TSC read per round, none per request, so the
/// timing adds one clock read to a round and nothing to a request beyond it. The read is ordered
/// (<see cref="CycleClock.NowOrdered"/>: <c>lfence; rdtsc</c>): a round ends after its loads, the request's cache miss
/// among them, have been served; a plain <c>rdtsc</c> may be taken before them and leave part of the miss out.
/// <para>One sample per <c>batch</c> requests taken in counted rounds: their rounds' cycles over their number.</para>
/// </summary>
public struct ServerCostMeter
{
    readonly double[] _samples;
    readonly int _batch;
    int _count;
    ulong _last, _busy;
    long _taken;

    /// <param name="expected">Requests the server will take (bounds the number of samples).</param>
    /// <param name="batch">Requests per sample.</param>
    public ServerCostMeter(long expected, int batch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        _batch = batch;
        _samples = new double[(int)(expected / batch) + 1];
    }

    /// <summary>Marks the start of the first round.</summary>
    public void Start() => Start(CycleClock.NowOrdered());

    /// <summary>Marks the start of the first round, at <paramref name="now"/> cycles.</summary>
    public void Start(ulong now) => _last = now;

    /// <summary>Ends a round that took <paramref name="taken"/> requests, <paramref name="timed"/> of them outside warm-up.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void EndRound(int taken, int timed) => EndRound(taken, timed, CycleClock.NowOrdered());

    /// <summary>Ends, at <paramref name="now"/> cycles, a round that took <paramref name="taken"/> requests, <paramref name="timed"/> of them outside warm-up.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void EndRound(int taken, int timed, ulong now)
    {
        if (timed > 0)
        {
            _busy += now - _last;
            _taken += taken;
            if (_taken >= _batch) Cut();
        }
        _last = now;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    void Cut()
    {
        if (_count < _samples.Length) _samples[_count++] = (double)_busy / _taken;
        _busy = 0;
        _taken = 0;
    }

    /// <summary>The samples so far (cycles per update).</summary>
    public readonly double[] Samples() => _samples.AsSpan(0, _count).ToArray();
}
