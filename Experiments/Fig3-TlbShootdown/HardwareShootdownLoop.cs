using Experiments.Common;
using Multikernel.CoreProcesses;
using Multikernel.Hardware;
using Multikernel.Memory;
using Multikernel.Monitor;

namespace Fig3.TlbShootdown;

/// <summary>
/// The process-mode loop (real page tables), run on the initiator's core process inside its monitor. One operation
/// takes a page's access away on the series' participants and is timed: <c>mprotect(PROT_NONE)</c> on the initiator's
/// own mapping first where it participates, then a shootdown in which every other participating core process
/// mprotects its own mapping and acks; until the last ack. It is then undone, untimed, by a second shootdown with
/// <c>PROT_READ|PROT_WRITE</c>. After each of the two, this core checks its own mapping; the other cores check theirs
/// after acking, and before the next timed operation starts the initiator pings every other core's monitor (which
/// answers only once its checks are done), so no check overlaps a timed operation. Series are interleaved by
/// repetition in rotating order, as in the thread-mode loop.
/// <para>Samples go into the shared result block (<see cref="Layout"/>); word 0 is written last. A shootdown whose
/// participants are all local completes inside its start: the loop then continues iteratively (a trampoline), so
/// the stack never grows with the number of operations.</para>
/// </summary>
public sealed class HardwareShootdownLoop : IShootdownCompletion
{
    /// <summary>Words of the result block: 0 done (1), 1 operations completed, then samples (doubles) and disturbed flags from <see cref="SamplesAt"/>.</summary>
    public static class Layout
    {
        public const int Done = 0, Completed = 1, SamplesAt = 8;
        public static int Words(int series, int repetitions) => SamplesAt + 2 * series * repetitions;
        public static int Sample(int series, int repetitions, int s, int rep) => SamplesAt + s * repetitions + rep;
        public static int Disturbed(int series, int repetitions, int s, int rep) => SamplesAt + series * repetitions + s * repetitions + rep;
    }

    readonly MonitorDispatcher _monitor;
    readonly ShootdownProtocol _engine;
    readonly HardwarePageTable _pages;
    readonly ShootdownSeries[] _series;
    readonly CoreSet _all, _remote;
    readonly SweepSize _size;
    readonly SharedBlock _result;
    readonly CoreReply _reply;
    readonly ulong[] _latencies;
    readonly int[] _others;
    readonly Action _onPong;
    int _rep, _position, _op, _pongsMissing;
    long _completed, _switchesAtBatchStart;
    ulong _t0;
    bool _restoring, _issuing, _again, _finished;

    public HardwareShootdownLoop(MonitorDispatcher monitor, ShootdownSeries[] series, int cores, SweepSize size, SharedBlock result, CoreReply reply)
    {
        _monitor = monitor;
        var engine = ShootdownService.Of(monitor).Protocol;
        _engine = engine;
        _pages = monitor.PageTable;
        _series = series;
        _all = CoreSet.FirstN(cores);
        _remote = _all.Without(engine.Core);
        _size = size;
        _result = result;
        _reply = reply;
        _latencies = new ulong[size.Iterations];
        _others = _remote.ToArray();
        _onPong = OnPong;
    }

    int Current => (_rep + _position) % _series.Length;

    /// <summary>The page a series changes: the unmap series and the shootdown-only series each have their own.</summary>
    public static ulong PageOf(ShootdownSeries s) => s.Unmap ? Fig3CoreProgram.UnmapVa : Fig3CoreProgram.ShootVa;

    /// <summary>
    /// Who applies a series' change: for the end-to-end unmap every core, this one first (paper Fig 7); for a
    /// shootdown alone the other cores (paper Fig 6: the protocol's cost, without the initiator's own page-table change).
    /// </summary>
    CoreSet ParticipantsOf(ShootdownSeries s) => s.Unmap ? _all : _remote;

    MmuChange ChangeOf(ShootdownSeries s, bool restore) => new(Fig3CoreProgram.Space, PageOf(s), 1, restore ? MmuOp.ProtectReadWrite : MmuOp.ProtectNone);

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
            var change = ChangeOf(s, _restoring);
            if (!_restoring) _t0 = CycleClock.Now();
            _engine.Start(s.Protocol, ParticipantsOf(s), in change, this);
            _issuing = false;
        } while (_again);
    }

    public void ShootdownCompleted(in ShootdownOutcome outcome)
    {
        ulong t1 = CycleClock.Now();
        if (_finished) return;
        var s = _series[Current];
        if (!_restoring)
        {
            int timed = _op - _size.Warmup;
            if (timed >= 0) _latencies[timed] = t1 - _t0;
            if (s.Unmap) _pages.Verify(ChangeOf(s, restore: false)); // untimed: this core's own mapping is gone
            _restoring = true;
        }
        else
        {
            if (s.Unmap) _pages.Verify(ChangeOf(s, restore: true));
            _restoring = false;
            _completed++;
            if (++_op == _size.OpsPerRepetition) EndBatch();
            if (_finished) return;
            if (_others.Length > 0)
            {
                // Untimed: wait until every other core has finished its checks of the restore before the next timed operation.
                _pongsMissing = _others.Length;
                foreach (int c in _others) _monitor.Ping(c, _onPong);
                return;
            }
        }
        if (_issuing) _again = true;
        else Pump();
    }

    void OnPong()
    {
        if (--_pongsMissing == 0) Pump();
    }

    void EndBatch()
    {
        int s = Current, n = _series.Length, reps = _size.Repetitions;
        _result.Write(Layout.Disturbed(n, reps, s, _rep), ContextSwitches.InvoluntaryOfThisThread() != _switchesAtBatchStart ? 1 : 0);
        Array.Sort(_latencies);
        _result.Doubles(Layout.Sample(n, reps, s, _rep), 1)[0] = ShootdownLoop.Median(_latencies);
        _op = 0;
        if (++_position == n)
        {
            _position = 0;
            if (++_rep == reps)
            {
                _finished = true;
                _result.Write(Layout.Completed, _completed);
                _result.Write(Layout.Done, 1);
                _reply.Complete(new CoreArgs((ulong)_completed));
                return;
            }
        }
        _switchesAtBatchStart = ContextSwitches.InvoluntaryOfThisThread();
    }
}
