using System.Runtime.CompilerServices;
using Multikernel.Threads;

namespace Splash.Team;

/// <summary>
/// The awaitable of every team primitive (<see cref="TeamLock.LockAsync"/>, <see cref="TeamLock.WaitAsync"/>,
/// <see cref="TeamBarrier.SignalAndWaitAsync"/>, <see cref="ITeamRuntime.Pause"/>). It is a threads-package awaiter
/// (<see cref="IUAwaiter"/>), so <c>async UTask</c> team code may await it on the multikernel's user threads; on host
/// threads its <see cref="IsCompleted"/> blocks and returns true, so the same code never suspends there.
/// Awaiting allocates nothing.
/// </summary>
public readonly struct TeamWait : ICriticalNotifyCompletion, IUAwaiter
{
    readonly TeamWaitable _on;

    public TeamWait(TeamWaitable on) => _on = on;

    public TeamWait GetAwaiter() => this;

    /// <summary>Begins the wait (see <see cref="TeamWaitable.Begin"/>).</summary>
    public bool IsCompleted => _on.Begin();

    public void GetResult() { }

    public void OnCompleted(Action continuation) => _on.Park(continuation);

    public void UnsafeOnCompleted(Action continuation) => _on.Park(continuation);
}
