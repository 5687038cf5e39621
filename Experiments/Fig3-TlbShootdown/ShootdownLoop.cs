using Multikernel.Monitor.Agreement;

namespace Fig3.TlbShootdown;

/// <summary>
/// The thread-mode loop (software TLBs; see <see cref="InterleavedShootdownLoop"/> for the batches, their order and
/// the 1PC/2PC series). A shootdown invalidates a page that is no longer mapped (the monitors' 1PC whose apply step
/// invalidates each participant's TLB); an unmap first clears the page's entry by a VNode Unmap invocation, then
/// shoots it down, and is followed, untimed, by mapping the page again.
/// </summary>
/// <param name="shootVa">Page the shootdown series invalidate (unmapped before the run).</param>
/// <param name="unmapVa">Page the unmap series unmaps and maps again (mapped to <paramref name="unmapFrame"/> before the run).</param>
public sealed class ShootdownLoop(AgreementService agreement, ShootdownSeries[] series, CoreSet participants, Pmap space,
    ulong shootVa, ulong unmapVa, Cptr unmapFrame, SweepSize size, Action<ShootdownLoopReport> done)
    : InterleavedShootdownLoop(agreement, series, participants, size)
{
    readonly CoreSet _participants = participants;
    readonly Pmap _space = space;
    readonly ulong _shootVa = shootVa, _unmapVa = unmapVa;
    readonly Cptr _unmapFrame = unmapFrame;
    readonly Action<ShootdownLoopReport> _done = done;

    protected override string? IssueTranslation(ShootdownSeries s, bool timedStep)
    {
        if (s.Kind == SeriesKind.Shootdown)
        {
            Agreement.Coherence.Shootdown(s.Protocol, _participants, _space.Id, _shootVa, 1, this);
            return null;
        }
        var e = Agreement.Coherence.Unmap(_space, _participants, _unmapVa, 1, this, s.Protocol);
        return e == CapError.Ok ? null : $"unmap failed: {e}";
    }

    protected override After TranslationCompleted(ShootdownSeries s, bool timedStep, out string? failure)
    {
        failure = null;
        if (s.Kind == SeriesKind.Unmap) // untimed: map the page again for the next unmap
        {
            var e = _space.Map(_unmapVa, _unmapFrame, CapRights.ReadWrite);
            if (e != CapError.Ok) failure = $"mapping the unmapped page again failed: {e}";
        }
        return After.NextOperation;
    }

    protected override void Finished(ShootdownLoopReport report) => _done(report);
}
