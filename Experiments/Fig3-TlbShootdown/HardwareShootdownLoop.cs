using Multikernel.CoreProcesses;

namespace Fig3.TlbShootdown;

/// <summary>
/// The process-mode loop (real page tables), run on the initiator's core process inside its monitor (see
/// <see cref="InterleavedShootdownLoop"/> for the batches, their order and the 1PC/2PC series). A shootdown or unmap
/// operation takes a page's access away on the series' participants and is timed: the monitors' 1PC of a
/// <see cref="MmuOp.ProtectNone"/> change, whose apply step is <c>mprotect(PROT_NONE)</c> of each participant's own
/// mapping (the initiator's first, where it participates); until the last ack. It is then undone, untimed, by a
/// second 1PC with <see cref="MmuOp.ProtectReadWrite"/>. After each of the two, this core checks its own mapping; the
/// other cores check theirs after acking (<see cref="Multikernel.Monitor.Agreement.MonitorReplica.VerifyApplied"/>),
/// and before the next timed operation starts the initiator pings every other core's monitor (which answers only once
/// its checks are done), so no check overlaps a timed operation.
/// <para>Results go into the shared result block (<see cref="Layout"/>); word 0 is written last.</para>
/// </summary>
public sealed class HardwareShootdownLoop : InterleavedShootdownLoop
{
    /// <summary>
    /// Words of the result block for <c>series</c> series of <c>repetitions</c>: 0 done (1), 1 operations completed
    /// (so far while the loop runs: the host's stall watch reads it),
    /// then from <see cref="SeriesAt"/> one word per series (protocol | kind &lt;&lt; 8, written by the host), the samples
    /// (doubles; NaN for a batch a failed loop did not end), the disturbed flags, and a text (its length in bytes, then
    /// UTF-8): why the loop failed, or empty.
    /// </summary>
    public static class Layout
    {
        public const int Done = 0, Completed = 1, SeriesAt = 8, TextBytes = 1024;
        public static int Sample(int series, int repetitions, int s, int rep) => SeriesAt + series + s * repetitions + rep;
        public static int Disturbed(int series, int repetitions, int s, int rep) => SeriesAt + series + series * repetitions + s * repetitions + rep;
        public static int Text(int series, int repetitions) => SeriesAt + series + 2 * series * repetitions;
        public static int Words(int series, int repetitions) => Text(series, repetitions) + 1 + TextBytes / 8;
    }

    readonly MonitorDispatcher _monitor;
    readonly HardwarePageTable _pages;
    readonly CoreSet _all, _remote;
    readonly int[] _others;
    readonly Action<Exception?> _onPong;
    readonly SharedBlock _result;
    readonly CoreReply _reply;
    readonly int _repetitions;
    int _pongsMissing;

    public HardwareShootdownLoop(MonitorDispatcher monitor, ShootdownSeries[] series, int cores, SweepSize size, SharedBlock result, CoreReply reply)
        : base(monitor.Agreement, series, CoreSet.FirstN(cores), size)
    {
        _monitor = monitor;
        _pages = monitor.PageTable;
        _all = CoreSet.FirstN(cores);
        _remote = _all.Without(monitor.CoreIndex);
        _others = _remote.ToArray();
        _onPong = OnPong;
        _result = result;
        _reply = reply;
        _repetitions = size.Repetitions;
    }

    /// <summary>Publishes the count for the host, which tells a slow run from a stalled one by it (<see cref="ProgressWait"/>).</summary>
    protected override void Progressed(long completed) => _result.Write(Layout.Completed, completed);

    /// <summary>The page a series changes: the unmap series and the shootdown series each have their own.</summary>
    public static ulong PageOf(ShootdownSeries s) => s.Kind == SeriesKind.Unmap ? Fig3CoreProgram.UnmapVa : Fig3CoreProgram.ShootVa;

    /// <summary>
    /// Who applies a series' change: for the end-to-end unmap every core, this one first (paper Fig 7); for a
    /// shootdown alone the other cores (paper Fig 6: the protocol's cost, without the initiator's own page-table change).
    /// </summary>
    CoreSet ParticipantsOf(ShootdownSeries s) => s.Kind == SeriesKind.Unmap ? _all : _remote;

    static MmuChange ChangeOf(ShootdownSeries s, bool restore) => new(Fig3CoreProgram.Space, PageOf(s), 1, restore ? MmuOp.ProtectReadWrite : MmuOp.ProtectNone);

    /// <summary>The timed step takes the page's access away; the untimed one gives it back.</summary>
    protected override string? IssueTranslation(ShootdownSeries s, bool timedStep)
    {
        var change = ChangeOf(s, restore: !timedStep);
        Agreement.Coherence.Shootdown(s.Protocol, ParticipantsOf(s), in change, this);
        return null;
    }

    protected override After TranslationCompleted(ShootdownSeries s, bool timedStep, out string? failure)
    {
        failure = null;
        if (s.Kind == SeriesKind.Unmap) _pages.Verify(ChangeOf(s, restore: !timedStep)); // untimed: this core's own mapping
        if (timedStep) return After.UntimedStep;
        if (_others.Length == 0) return After.NextOperation;
        // Untimed: wait until every other core has finished its checks of the restore before the next timed operation.
        _pongsMissing = _others.Length;
        foreach (int c in _others) _monitor.Ping(c, _onPong);
        return After.NextOperationOnResume;
    }

    void OnPong(Exception? error)
    {
        if (error != null) { Fail($"a monitor did not answer the ping before the next operation: {error.Message}"); return; }
        if (--_pongsMissing == 0) Resume();
    }

    protected override void Finished(ShootdownLoopReport report)
    {
        var samples = report.Cycles;
        int n = samples.Length, reps = _repetitions;
        for (int s = 0; s < n; s++)
            for (int r = 0; r < reps; r++)
            {
                bool ended = r < samples[s].Length;
                _result.Doubles(Layout.Sample(n, reps, s, r), 1)[0] = ended ? samples[s][r] : double.NaN;
                _result.Write(Layout.Disturbed(n, reps, s, r), ended && report.Disturbed[s][r] ? 1 : 0);
            }
        Fig3CoreProgram.WriteText(_result, Layout.Text(n, reps), Layout.TextBytes, report.Failure ?? ToggledRowsFailure() ?? "");
        _result.Write(Layout.Completed, report.Completed);
        _result.Write(Layout.Done, 1);
        _reply.Complete(new CoreArgs((ulong)report.Completed));
    }
}
