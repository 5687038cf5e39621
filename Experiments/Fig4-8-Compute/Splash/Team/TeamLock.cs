namespace Splash.Team;

/// <summary>
/// A mutual-exclusion lock shared by a team's workers, with one condition (a monitor in Hoare's and Mesa's sense):
/// <see cref="WaitAsync"/> releases the lock, waits for <see cref="NotifyAll"/> and re-acquires it. As with any Mesa
/// monitor a woken waiter re-checks its predicate in a loop (wake-ups may be spurious, e.g. when several conditions
/// share one lock).
/// <para>Invariant: <see cref="Unlock"/>, <see cref="WaitAsync"/> and <see cref="NotifyAll"/> are called only by the
/// worker that holds the lock.</para>
/// </summary>
public abstract class TeamLock : TeamWaitable
{
    /// <summary>Acquires the lock (awaiting parks the worker on the multikernel while another worker holds it).</summary>
    public TeamWait LockAsync() => new(this);

    /// <summary>Releases the lock.</summary>
    public abstract void Unlock();

    /// <summary>Releases the lock, waits until notified, re-acquires the lock.</summary>
    public TeamWait WaitAsync() => new(Condition);

    /// <summary>Wakes every worker waiting on this lock's condition (they re-acquire the lock in turn).</summary>
    public abstract void NotifyAll();

    /// <summary>The waitable behind <see cref="WaitAsync"/>.</summary>
    protected abstract TeamWaitable Condition { get; }
}
