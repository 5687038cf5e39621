using Experiments.Common;
using Multikernel.Capabilities;
using Multikernel.Hardware;
using Multikernel.Memory;
using Multikernel.Monitor;
using Multikernel.Monitor.Agreement;

namespace Fig3.TlbShootdown;

/// <summary>What a <see cref="ShootdownLoop"/> measured on the initiator's core, by series then repetition.</summary>
public sealed record ShootdownLoopReport(double[][] Cycles, bool[][] Disturbed, long Completed, string? Failure);

/// <summary>
/// Runs on the initiator's core, inside its monitor: for each repetition, one batch of every series in rotating order
/// (repetition r starts with series r mod S), so slow drift of the machine during the run (frequency, the host
/// moving a virtual CPU) falls on every series alike. A batch issues warm-up then timed operations back to back, each
/// started from the previous one's completion, each timed from just before it starts until every participant has
/// acknowledged it. A shootdown invalidates a page that is no longer mapped; an unmap first clears the page's entry by
/// a VNode Unmap invocation and is followed, untimed, by mapping the page again; a 1PC or 2PC toggles a row of the
/// replicated domain-placement table that only this loop writes (one row per series).
/// One sample per series and repetition: the median of the batch's timed operations.
/// <para>An operation with no remote participant completes inside its own start; the loop then continues
/// iteratively (a trampoline), so the stack never grows with the number of operations. The timed path allocates nothing.</para>
/// </summary>
public sealed class ShootdownLoop : IAgreementCompletion
{
    /// <summary>Placement-table rows the 1PC and 2PC series toggle: this plus the series index (no domain has such an id).</summary>
    public const ulong ToggledRows = 1UL << 40;

    readonly AgreementService _agreement;
    readonly ShootdownSeries[] _series;
    readonly CoreSet _participants;
    readonly Pmap _space;
    readonly ulong _shootVa, _unmapVa;
    readonly Cptr _unmapFrame;
    readonly SweepSize _size;
    readonly Action<ShootdownLoopReport> _done;
    readonly ulong[] _latencies;
    readonly double[][] _samples;
    readonly bool[][] _disturbed;
    readonly bool[] _placed;
    int _rep, _position, _op;
    long _completed, _switchesAtBatchStart;
    ulong _t0;
    bool _issuing, _again, _finished;
    string? _failure;

    /// <param name="shootVa">Page the shootdown series invalidate (unmapped before the run).</param>
    /// <param name="unmapVa">Page the unmap series unmaps and maps again (mapped to <paramref name="unmapFrame"/> before the run).</param>
    public ShootdownLoop(AgreementService agreement, ShootdownSeries[] series, CoreSet participants, Pmap space,
        ulong shootVa, ulong unmapVa, Cptr unmapFrame, SweepSize size, Action<ShootdownLoopReport> done)
    {
        _agreement = agreement;
        _series = series;
        _participants = participants;
        _space = space;
        _shootVa = shootVa;
        _unmapVa = unmapVa;
        _unmapFrame = unmapFrame;
        _size = size;
        _done = done;
        _latencies = new ulong[size.Iterations];
        _samples = series.Select(_ => new double[size.Repetitions]).ToArray();
        _disturbed = series.Select(_ => new bool[size.Repetitions]).ToArray();
        _placed = new bool[series.Length];
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
            int s = Current;
            var x = _series[s];
            _t0 = CycleClock.Now();
            switch (x.Kind)
            {
                case SeriesKind.Shootdown:
                    _agreement.Coherence.Shootdown(x.Protocol, _participants, _space.Id, _shootVa, 1, this);
                    break;
                case SeriesKind.Unmap:
                    var e = _agreement.Coherence.Unmap(_space, _participants, _unmapVa, 1, this, x.Protocol);
                    if (e != CapError.Ok) { Finish($"unmap failed: {e}"); return; }
                    break;
                case SeriesKind.OnePhase:
                    _agreement.StartOnePhase(x.Protocol, _participants, Toggle(s), this);
                    break;
                case SeriesKind.TwoPhase:
                    _agreement.StartTwoPhase(x.Protocol, _participants, Toggle(s), this);
                    break;
            }
            _issuing = false;
        } while (_again);
    }

    AgreementUpdate Toggle(int s)
    {
        ulong row = ToggledRows + (ulong)s;
        int core = _agreement.Core;
        return _placed[s] ? SystemTableUpdates.Remove(row, core) : SystemTableUpdates.Place(row, core);
    }

    public void Decided(in AgreementOutcome outcome) { }

    public void Completed(in AgreementOutcome outcome)
    {
        ulong t1 = CycleClock.Now();
        if (_finished) return; // cannot happen: every operation completes once, and the last one ends the loop
        int s = Current;
        if (outcome.TwoPhase && !outcome.Committed)
        {
            Finish($"a 2PC of {_series[s].Name} aborted ({outcome.Reason}, refusal {outcome.Refusal}): nothing else runs agreements on these rows");
            return;
        }
        _completed++;
        int timed = _op - _size.Warmup;
        if (timed >= 0) _latencies[timed] = t1 - _t0;
        switch (_series[s].Kind)
        {
            case SeriesKind.Unmap: // untimed: map the page again for the next unmap
                var e = _space.Map(_unmapVa, _unmapFrame, CapRights.ReadWrite);
                if (e != CapError.Ok) { Finish($"mapping the unmapped page again failed: {e}"); return; }
                break;
            case SeriesKind.OnePhase or SeriesKind.TwoPhase:
                _placed[s] = !_placed[s];
                break;
        }
        if (++_op == _size.OpsPerRepetition)
        {
            long switches = ContextSwitches.InvoluntaryOfThisThread();
            _disturbed[s][_rep] = switches != _switchesAtBatchStart;
            Array.Sort(_latencies);
            _samples[s][_rep] = SampleSummary.MedianOfSorted<ulong>(_latencies);
            _op = 0;
            if (++_position == _series.Length)
            {
                _position = 0;
                if (++_rep == _size.Repetitions)
                {
                    Finish(null);
                    return;
                }
            }
            _switchesAtBatchStart = ContextSwitches.InvoluntaryOfThisThread();
        }
        if (_issuing) _again = true;
        else Pump();
    }

    /// <summary>The rows the toggling series leave placed (an odd number of operations leaves a row placed).</summary>
    public IEnumerable<ulong> PlacedRows => Enumerable.Range(0, _series.Length).Where(i => _placed[i]).Select(i => ToggledRows + (ulong)i);

    void Finish(string? failure)
    {
        _finished = true;
        _failure = failure;
        _done(new ShootdownLoopReport(_samples, _disturbed, _completed, _failure));
    }
}
