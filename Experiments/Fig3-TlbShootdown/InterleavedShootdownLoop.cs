using Experiments.Common;
using Multikernel.Hardware;
using Multikernel.Monitor;

namespace Fig3.TlbShootdown;

/// <summary>
/// The measuring loop both multikernel workloads run on the initiator's core, inside its monitor: for each
/// repetition, one batch of every series in rotating order (repetition r starts with series r mod S), so slow drift
/// of the machine during the run (frequency, the host moving a virtual CPU) falls on every series alike. A batch
/// issues warm-up then timed operations back to back, each started from the previous one's completion. An operation
/// is a timed step (from just before it starts to its completion, the last ack), then as many untimed steps as the
/// subclass asks for (<see cref="After.UntimedStep"/>), and may hold the next operation back until the subclass
/// resumes it (<see cref="After.NextOperationOnResume"/>). One sample per series and repetition: the median of the
/// batch's timed steps.
/// <para>A step with no remote participant completes inside its own start; the loop then continues iteratively (a
/// trampoline), so the stack never grows with the number of operations. The timed path allocates nothing.</para>
/// </summary>
public abstract class InterleavedShootdownLoop : IShootdownCompletion
{
    /// <summary>What follows a completed step.</summary>
    protected enum After
    {
        /// <summary>Another, untimed, step of the same operation.</summary>
        UntimedStep,
        /// <summary>The operation is done; the next one starts now.</summary>
        NextOperation,
        /// <summary>The operation is done; the next one starts when the subclass calls <see cref="Resume"/>.</summary>
        NextOperationOnResume,
    }

    readonly ShootdownSeries[] _series;
    readonly SweepSize _size;
    readonly ulong[] _latencies;
    readonly double[][] _samples;
    readonly bool[][] _disturbed;
    int _rep, _position, _op;
    long _completed, _switchesAtBatchStart;
    ulong _t0;
    bool _timedStep = true, _issuing, _again, _finished;

    protected InterleavedShootdownLoop(ShootdownSeries[] series, SweepSize size)
    {
        _series = series;
        _size = size;
        _latencies = new ulong[size.Iterations];
        _samples = series.Select(_ => new double[size.Repetitions]).ToArray();
        _disturbed = series.Select(_ => new bool[size.Repetitions]).ToArray();
    }

    ShootdownSeries Current => _series[(_rep + _position) % _series.Length];

    /// <summary>Starts the loop; call on the initiator's core.</summary>
    public void Begin()
    {
        _switchesAtBatchStart = ContextSwitches.InvoluntaryOfThisThread();
        Pump();
    }

    /// <summary>Starts the current step of an operation of <paramref name="series"/>; its completion comes back through <see cref="ShootdownCompleted"/>.</summary>
    protected abstract void Issue(ShootdownSeries series, bool timedStep);

    /// <summary>A step of an operation of <paramref name="series"/> has completed (untimed work here does not count).</summary>
    protected abstract After Completed(ShootdownSeries series, bool timedStep);

    /// <summary>Every repetition of every series is done: samples and disturbed flags by series then repetition.</summary>
    protected abstract void Finished(double[][] samples, bool[][] disturbed, long completed);

    /// <summary>Starts the next operation after <see cref="After.NextOperationOnResume"/>.</summary>
    protected void Resume()
    {
        if (!_finished) Continue();
    }

    void Pump()
    {
        do
        {
            _again = false;
            _issuing = true;
            var s = Current;
            if (_timedStep) _t0 = CycleClock.Now();
            Issue(s, _timedStep);
            _issuing = false;
        } while (_again);
    }

    void Continue()
    {
        if (_issuing) _again = true;
        else Pump();
    }

    public void ShootdownCompleted(in ShootdownOutcome outcome)
    {
        ulong t1 = CycleClock.Now();
        if (_finished) return; // cannot happen: every step completes once, and the last one ends the loop
        if (_timedStep)
        {
            int timed = _op - _size.Warmup;
            if (timed >= 0) _latencies[timed] = t1 - _t0;
        }
        var next = Completed(Current, _timedStep);
        if (next == After.UntimedStep)
        {
            _timedStep = false;
            Continue();
            return;
        }
        _timedStep = true;
        _completed++;
        if (++_op == _size.OpsPerRepetition) EndBatch();
        if (_finished || next == After.NextOperationOnResume) return;
        Continue();
    }

    void EndBatch()
    {
        int s = (_rep + _position) % _series.Length;
        _disturbed[s][_rep] = ContextSwitches.InvoluntaryOfThisThread() != _switchesAtBatchStart;
        Array.Sort(_latencies);
        _samples[s][_rep] = Median(_latencies);
        _op = 0;
        if (++_position == _series.Length)
        {
            _position = 0;
            if (++_rep == _size.Repetitions)
            {
                _finished = true;
                Finished(_samples, _disturbed, _completed);
                return;
            }
        }
        _switchesAtBatchStart = ContextSwitches.InvoluntaryOfThisThread();
    }

    internal static double Median(ulong[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[sorted.Length / 2 - 1] + (double)sorted[sorted.Length / 2]);
}
