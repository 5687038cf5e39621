using Multikernel.Drivers;

namespace Experiments.Tests;

/// <summary>
/// The check behind the "allocates nothing in steady state" tests: the probe's window was reached, and at least one of
/// its two halves saw no allocation on the core's thread. Work that allocates per packet or request allocates in both
/// halves and fails; a one-off on the same thread (the runtime promoting a method, another dispatcher of the core
/// handling a background message) falls in one half and does not.
/// </summary>
static class SteadyStateAllocation
{
    public static void IsNone(string who, AllocationProbe? probe, string context)
    {
        Assert.True(probe is { Bytes: not null }, $"{who}: the allocation probe's window was not reached ({probe}); {context}");
        Assert.True(probe.CleanerHalfBytes == 0, $"{who} allocated in both halves of its steady-state window: {probe}; {context}");
    }
}
