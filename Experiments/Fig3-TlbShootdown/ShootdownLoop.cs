using Multikernel.Memory;
using Multikernel.Monitor;

namespace Fig3.TlbShootdown;

/// <summary>What a <see cref="ShootdownLoop"/> measured on the initiator's core, by series then repetition.</summary>
public sealed record ShootdownLoopReport(double[][] Cycles, bool[][] Disturbed, long Completed, string? Failure);

/// <summary>
/// The thread-mode loop (software TLBs; see <see cref="InterleavedShootdownLoop"/> for the batches and their order).
/// A shootdown-only operation invalidates a page that is no longer mapped; an unmap operation first clears the page's
/// entry in the page tables and is followed, untimed, by mapping the page again.
/// </summary>
public sealed class ShootdownLoop : InterleavedShootdownLoop
{
    readonly ShootdownProtocol _engine;
    readonly CoreSet _participants;
    readonly VSpace _space;
    readonly ulong _shootVa, _unmapVa, _frame;
    readonly Action<ShootdownLoopReport> _done;

    /// <param name="shootVa">Page the shootdown-only series invalidate (unmapped before the run).</param>
    /// <param name="unmapVa">Page the unmap series unmap and map again (mapped to <paramref name="frame"/> before the run).</param>
    public ShootdownLoop(ShootdownProtocol engine, ShootdownSeries[] series, CoreSet participants, VSpace space,
        ulong shootVa, ulong unmapVa, ulong frame, SweepSize size, Action<ShootdownLoopReport> done) : base(series, size)
    {
        _engine = engine;
        _participants = participants;
        _space = space;
        _shootVa = shootVa;
        _unmapVa = unmapVa;
        _frame = frame;
        _done = done;
    }

    protected override void Issue(ShootdownSeries s, bool timedStep)
    {
        if (s.Unmap) _engine.Unmap(_space, _participants, _unmapVa, 1, this, s.Protocol);
        else _engine.Start(s.Protocol, _participants, _space.Id, _shootVa, 1, this);
    }

    protected override After Completed(ShootdownSeries s, bool timedStep)
    {
        if (s.Unmap) _space.Map(_unmapVa, _frame, PageRights.ReadWrite); // untimed: restore for the next unmap
        return After.NextOperation;
    }

    protected override void Finished(double[][] samples, bool[][] disturbed, long completed) =>
        _done(new ShootdownLoopReport(samples, disturbed, completed, null));
}
