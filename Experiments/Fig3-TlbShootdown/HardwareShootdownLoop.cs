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
/// <para>Batches and their order: <see cref="InterleavedShootdownLoop"/>. Samples go into the shared result block
/// (<see cref="Layout"/>); word 0 is written last.</para>
/// </summary>
public sealed class HardwareShootdownLoop : InterleavedShootdownLoop
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
    readonly CoreSet _all, _remote;
    readonly int[] _others;
    readonly Action _onPong;
    readonly SharedBlock _result;
    readonly CoreReply _reply;
    int _pongsMissing;

    public HardwareShootdownLoop(MonitorDispatcher monitor, ShootdownSeries[] series, int cores, SweepSize size, SharedBlock result, CoreReply reply)
        : base(series, size)
    {
        _monitor = monitor;
        _engine = ShootdownService.Of(monitor).Protocol;
        _pages = monitor.PageTable;
        _all = CoreSet.FirstN(cores);
        _remote = _all.Without(_engine.Core);
        _others = _remote.ToArray();
        _onPong = OnPong;
        _result = result;
        _reply = reply;
    }

    /// <summary>The page a series changes: the unmap series and the shootdown-only series each have their own.</summary>
    public static ulong PageOf(ShootdownSeries s) => s.Unmap ? Fig3CoreProgram.UnmapVa : Fig3CoreProgram.ShootVa;

    /// <summary>
    /// Who applies a series' change: for the end-to-end unmap every core, this one first (paper Fig 7); for a
    /// shootdown alone the other cores (paper Fig 6: the protocol's cost, without the initiator's own page-table change).
    /// </summary>
    CoreSet ParticipantsOf(ShootdownSeries s) => s.Unmap ? _all : _remote;

    static MmuChange ChangeOf(ShootdownSeries s, bool restore) => new(Fig3CoreProgram.Space, PageOf(s), 1, restore ? MmuOp.ProtectReadWrite : MmuOp.ProtectNone);

    /// <summary>The timed step takes the page's access away; the untimed one gives it back.</summary>
    protected override void Issue(ShootdownSeries s, bool timedStep)
    {
        var change = ChangeOf(s, restore: !timedStep);
        _engine.Start(s.Protocol, ParticipantsOf(s), in change, this);
    }

    protected override After Completed(ShootdownSeries s, bool timedStep)
    {
        if (s.Unmap) _pages.Verify(ChangeOf(s, restore: !timedStep)); // untimed: this core's own mapping
        if (timedStep) return After.UntimedStep;
        if (_others.Length == 0) return After.NextOperation;
        // Untimed: wait until every other core has finished its checks of the restore before the next timed operation.
        _pongsMissing = _others.Length;
        foreach (int c in _others) _monitor.Ping(c, _onPong);
        return After.NextOperationOnResume;
    }

    void OnPong()
    {
        if (--_pongsMissing == 0) Resume();
    }

    protected override void Finished(double[][] samples, bool[][] disturbed, long completed)
    {
        int n = samples.Length, reps = samples[0].Length;
        for (int s = 0; s < n; s++)
            for (int r = 0; r < reps; r++)
            {
                _result.Doubles(Layout.Sample(n, reps, s, r), 1)[0] = samples[s][r];
                _result.Write(Layout.Disturbed(n, reps, s, r), disturbed[s][r] ? 1 : 0);
            }
        _result.Write(Layout.Completed, completed);
        _result.Write(Layout.Done, 1);
        _reply.Complete(new CoreArgs((ulong)completed));
    }
}
