namespace Splash.Team;

/// <summary>
/// Something a team worker can wait on: a lock, a lock's condition, a barrier, a pause. Awaiting it (through
/// <see cref="TeamWait"/>) first calls <see cref="Begin"/>. Host primitives block the OS thread inside
/// <see cref="Begin"/> and return true, so the awaiting <c>async UTask</c> method never suspends and runs as plain
/// synchronous code on host threads. The multikernel's primitives queue the user thread and return false; the
/// thread then parks through <see cref="Park"/> and its dispatcher runs other work until it is woken.
/// </summary>
public abstract class TeamWaitable
{
    /// <summary>Starts a wait of the calling worker: true when the wait is already over, false when it must park.</summary>
    protected internal abstract bool Begin();

    /// <summary>Parks the calling worker after <see cref="Begin"/> returned false; <paramref name="continuation"/> resumes it.</summary>
    protected internal virtual void Park(Action continuation) =>
        throw new InvalidOperationException($"{GetType().Name} completes every wait in Begin and never parks a worker");
}
