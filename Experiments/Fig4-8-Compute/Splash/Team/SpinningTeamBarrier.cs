namespace Splash.Team;

/// <summary>A team barrier for host threads with the spin-then-block policy of <see cref="SpinThenBlockBarrier"/>.</summary>
public sealed class SpinningTeamBarrier(int participants, TeamAbort abort) : TeamBarrier
{
    readonly SpinThenBlockBarrier _barrier = new(participants);

    protected internal override bool Begin()
    {
        _barrier.SignalAndWait(abort.Token);
        return true;
    }
}
