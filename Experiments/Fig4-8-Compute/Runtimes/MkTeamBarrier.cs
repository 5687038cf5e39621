using Splash.Team;
using KernelBarrier = Multikernel.Threads.Barrier;

namespace Compute.Runtimes;

/// <summary>A team barrier on the multikernel's user threads: the threads package's domain-wide <see cref="KernelBarrier"/>.</summary>
sealed class MkTeamBarrier(int participants) : TeamBarrier
{
    readonly KernelBarrier _barrier = new(participants);

    protected override bool Begin() => _barrier.SignalAndWaitAsync().IsCompleted;

    protected override void Park(Action continuation) => _barrier.SignalAndWaitAsync().UnsafeOnCompleted(continuation);
}
