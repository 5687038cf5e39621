using Multikernel.Threads;
using Splash.Team;
using Mutex = Multikernel.Threads.Mutex;

namespace Compute.Runtimes;

/// <summary>
/// A team lock on the multikernel's user threads: a threads-package <see cref="Mutex"/> (adaptive poll, then a waiter
/// parks and its dispatcher runs other work; an unlock wakes the longest waiter to compete, by a URPC message on another
/// core, and hands the mutex over to a waiter that already lost once) with a
/// <see cref="CondVar"/> as its condition.
/// </summary>
sealed class MkTeamLock : TeamLock
{
    readonly Mutex _mutex = new();
    readonly CondVar _condVar = new();
    readonly ConditionWait _condition;

    public MkTeamLock() => _condition = new ConditionWait(this);

    protected override bool Begin() => _mutex.LockAsync().IsCompleted;

    protected override void Park(Action continuation) => _mutex.LockAsync().UnsafeOnCompleted(continuation);

    public override void Unlock() => _mutex.Unlock();

    public override void NotifyAll() => _condVar.Broadcast();

    protected override TeamWaitable Condition => _condition;

    sealed class ConditionWait(MkTeamLock owner) : TeamWaitable
    {
        protected override bool Begin() => owner._condVar.WaitAsync(owner._mutex).IsCompleted;

        protected override void Park(Action continuation) => owner._condVar.WaitAsync(owner._mutex).UnsafeOnCompleted(continuation);
    }
}
