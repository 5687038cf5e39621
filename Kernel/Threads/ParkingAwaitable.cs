using System.Runtime.CompilerServices;

namespace Multikernel.Threads;

/// <summary>
/// The awaiter of every threads-package wait that may park its thread (<see cref="Mutex.LockAsync"/>,
/// <see cref="CondVar.WaitAsync"/>, <see cref="Semaphore.WaitAsync"/>, <see cref="Barrier.SignalAndWaitAsync"/>).
/// <see cref="IsCompleted"/> asks the primitive, through <typeparamref name="TWait"/>, to complete the wait at once or
/// to queue the current thread; a queued thread is then parked in its dispatcher's scheduler by the await, and its
/// waker makes it runnable again (on its own dispatcher, by URPC message when the waker runs elsewhere).
/// <para>Invariant: a thread is parked only after the primitive queued it under its lock; a wake-up between the two is
/// not lost, because its dispatcher resumes threads only after the current one has returned from the await
/// (<see cref="Scheduler.Park"/>).</para>
/// </summary>
public readonly struct ParkingAwaitable<TWait> : ICriticalNotifyCompletion, IUAwaiter where TWait : struct, IParkingWait
{
    readonly TWait _wait;

    internal ParkingAwaitable(TWait wait) => _wait = wait;

    public ParkingAwaitable<TWait> GetAwaiter() => this;

    /// <summary>True when the wait completed without parking; false when the current thread is queued (awaiting then parks it).</summary>
    public bool IsCompleted => _wait.CompleteOrQueue(UThread.CurrentForWait());

    public void GetResult() { }

    public void OnCompleted(Action continuation) => Scheduler.CurrentOrThrow.Park(continuation);

    public void UnsafeOnCompleted(Action continuation) => Scheduler.CurrentOrThrow.Park(continuation);
}
