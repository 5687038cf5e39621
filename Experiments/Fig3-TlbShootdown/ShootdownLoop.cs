using Experiments.Common;
using Multikernel.Hardware;
using Multikernel.Memory;
using Multikernel.Monitor;

namespace Fig3.TlbShootdown;

/// <summary>What a <see cref="ShootdownLoop"/> measured on the initiator's core, by series then repetition.</summary>
public sealed record ShootdownLoopReport(double[][] Cycles, bool[][] Disturbed, long Completed, string? Failure);

/// <summary>
/// Runs on the initiator's core, inside its monitor: for each repetition, one batch of every series in rotating order
/// (repetition r starts with series r mod S), so slow drift of the machine during the run (frequency, the host
/// moving a virtual CPU) falls on every series alike. A batch issues warm-up then timed operations back to back, each
/// started from the previous one's completion, each timed from just before it starts to the completion (the last ack).
/// A shootdown-only operation invalidates a page that is no longer mapped; an unmap operation first clears the page's
/// entry in the page tables and is followed, untimed, by mapping the page again.
/// One sample per series and repetition: the median of the batch's timed operations.
/// <para>A shootdown with no remote participant completes inside its own start; the loop then continues iteratively
/// (a trampoline), so the stack never grows with the number of operations. The timed path allocates nothing.</para>
/// </summary>
public sealed class ShootdownLoop : IShootdownCompletion
{
    readonly ShootdownProtocol _engine;
    readonly ShootdownSeries[] _series;
    readonly CoreSet _participants;
    readonly VSpace _space;
    readonly ulong _shootVa, _unmapVa, _frame;
    readonly SweepSize _size;
    readonly Action<ShootdownLoopReport> _done;
    readonly ulong[] _latencies;
    readonly double[][] _samples;
    readonly bool[][] _disturbed;
    int _rep, _position, _op;
    long _completed, _switchesAtBatchStart;
    ulong _t0;
    bool _issuing, _again, _finished;

    /// <param name="shootVa">Page the shootdown-only series invalidate (unmapped before the run).</param>
    /// <param name="unmapVa">Page the unmap series unmap and map again (mapped to <paramref name="frame"/> before the run).</param>
    public ShootdownLoop(ShootdownProtocol engine, ShootdownSeries[] series, CoreSet participants, VSpace space,
        ulong shootVa, ulong unmapVa, ulong frame, SweepSize size, Action<ShootdownLoopReport> done)
    {
        _engine = engine;
        _series = series;
        _participants = participants;
        _space = space;
        _shootVa = shootVa;
        _unmapVa = unmapVa;
        _frame = frame;
        _size = size;
        _done = done;
        _latencies = new ulong[size.Iterations];
        _samples = series.Select(_ => new double[size.Repetitions]).ToArray();
        _disturbed = series.Select(_ => new bool[size.Repetitions]).ToArray();
    }

    int Current => (_rep + _position) % _series.Length;

    /// <summary>Starts the loop; call on the initiator's core.</summary>
    public void Begin()
    {
        _switchesAtBatchStart = ContextSwitches.InvoluntaryOfThisThread();
        Pump();
    }

    void Pump()
    {
        do
        {
            _again = false;
            _issuing = true;
            var s = _series[Current];
            _t0 = CycleClock.Now();
            if (s.Unmap) _engine.Unmap(_space, _participants, _unmapVa, 1, this, s.Protocol);
            else _engine.Start(s.Protocol, _participants, _space.Id, _shootVa, 1, this);
            _issuing = false;
        } while (_again);
    }

    public void ShootdownCompleted(in ShootdownOutcome outcome)
    {
        ulong t1 = CycleClock.Now();
        if (_finished) return; // cannot happen: every operation completes once, and the last one ends the loop
        _completed++;
        int timed = _op - _size.Warmup;
        if (timed >= 0) _latencies[timed] = t1 - _t0;
        int s = Current;
        if (_series[s].Unmap) _space.Map(_unmapVa, _frame, PageRights.ReadWrite); // untimed: restore for the next unmap
        if (++_op == _size.OpsPerRepetition)
        {
            long switches = ContextSwitches.InvoluntaryOfThisThread();
            _disturbed[s][_rep] = switches != _switchesAtBatchStart;
            Array.Sort(_latencies);
            _samples[s][_rep] = Median(_latencies);
            _op = 0;
            if (++_position == _series.Length)
            {
                _position = 0;
                if (++_rep == _size.Repetitions)
                {
                    _finished = true;
                    _done(new ShootdownLoopReport(_samples, _disturbed, _completed, null));
                    return;
                }
            }
            _switchesAtBatchStart = ContextSwitches.InvoluntaryOfThisThread();
        }
        if (_issuing) _again = true;
        else Pump();
    }

    internal static double Median(ulong[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[sorted.Length / 2 - 1] + (double)sorted[sorted.Length / 2]);
}
