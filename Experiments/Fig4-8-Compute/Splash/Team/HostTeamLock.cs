namespace Splash.Team;

/// <summary>
/// A team lock for host threads: a .NET monitor (<see cref="Monitor"/>: a thin lock that spins, then blocks the OS
/// thread in the kernel), with <see cref="Monitor.Wait(object, TimeSpan)"/> / <see cref="Monitor.PulseAll"/> as its
/// condition. What a C# programmer writes with <c>lock</c>.
/// </summary>
public sealed class HostTeamLock : TeamLock
{
    readonly object _gate = new();
    readonly TeamAbort _abort;
    readonly ConditionWait _condition;

    public HostTeamLock(TeamAbort abort)
    {
        _abort = abort;
        _condition = new ConditionWait(this);
    }

    protected internal override bool Begin()
    {
        if (Monitor.TryEnter(_gate)) return true;
        while (!Monitor.TryEnter(_gate, TeamAbort.PollInterval)) _abort.ThrowIfAborted();
        return true;
    }

    public override void Unlock() => Monitor.Exit(_gate);

    public override void NotifyAll() => Monitor.PulseAll(_gate);

    protected override TeamWaitable Condition => _condition;

    /// <summary>The condition wait: a timed-out wait is a spurious wake-up (the caller re-checks), after an abort check.</summary>
    sealed class ConditionWait(HostTeamLock owner) : TeamWaitable
    {
        protected internal override bool Begin()
        {
            Monitor.Wait(owner._gate, TeamAbort.PollInterval);
            owner._abort.ThrowIfAborted();
            return true;
        }
    }
}
