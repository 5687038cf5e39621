namespace Benchmarks.Suite;

/// <summary>Where one benchmark case ran: the cores asked for and what sched_getcpu reported after pinning.</summary>
public sealed record PlacementRecord(int LocalCore, int LocalObserved, int RemoteCore, int RemoteObserved, bool WorkloadOnPinnedThread)
{
    /// <summary>"0->1" for two-core cases, "0" for same-core ones; "(unpinned!)" when the workload left the pinned thread.</summary>
    public string Describe() =>
        (RemoteCore >= 0 ? $"{LocalCore}->{RemoteCore}" : $"{LocalCore}")
        + (LocalObserved != LocalCore || (RemoteCore >= 0 && RemoteObserved != RemoteCore) ? $" (observed {LocalObserved},{RemoteObserved}!)" : "")
        + (WorkloadOnPinnedThread ? "" : " (workload ran on an unpinned thread!)");
}
