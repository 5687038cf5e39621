namespace Multikernel.Threads;

/// <summary>
/// A test-and-test-and-set lock word guarding a synchronization primitive's own few fields (its state and waiter
/// queue), held for a handful of instructions and never across a wait. The primitive lives in the domain's shared
/// address space, as Barrelfish's thread mutexes do; what crosses cores in the runtime sense, waking a thread on
/// another dispatcher, goes by URPC message.
/// </summary>
struct SpinLockWord
{
    int _taken;

    public void Enter()
    {
        if (Interlocked.CompareExchange(ref _taken, 1, 0) == 0) return;
        EnterContended();
    }

    void EnterContended()
    {
        var spin = new SpinWait();
        while (true)
        {
            while (Volatile.Read(ref _taken) != 0) spin.SpinOnce(sleep1Threshold: -1);
            if (Interlocked.CompareExchange(ref _taken, 1, 0) == 0) return;
        }
    }

    public void Exit() => Volatile.Write(ref _taken, 0);
}
