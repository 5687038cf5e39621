namespace Splash.Team;

/// <summary>
/// A team barrier for host threads: a <see cref="SpinThenBlockBarrier"/> whose spin budget is the wait policy, short
/// (<see cref="SpinThenBlockBarrier.ShortSpinBudget"/>, about as long as <see cref="System.Threading.Barrier"/> spins
/// before its threads sleep) or long (<see cref="SpinThenBlockBarrier.DefaultSpinBudget"/>, OpenMP's active wait). A
/// blocked wait ends when the team is aborted. Waiting allocates nothing (a <see cref="System.Threading.Barrier"/>
/// creates its events' locks on first use and registers a cancellation token per wait).
/// </summary>
public sealed class HostTeamBarrier(int participants, TimeSpan spinBudget, TeamAbort abort) : TeamBarrier
{
    readonly SpinThenBlockBarrier _barrier = new(participants, spinBudget);

    protected internal override bool Begin()
    {
        _barrier.SignalAndWait(abort.Token);
        return true;
    }
}
