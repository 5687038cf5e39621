using Multikernel.Drivers;

namespace Multikernel.Tests;

/// <summary>The allocation probe's window and halves: per-unit allocation shows in both halves, a one-off in one.</summary>
public class AllocationProbeTests
{
    static object? _sink;

    [Fact]
    public void AllocationPerUnitOfWorkShowsInBothHalves()
    {
        var probe = new AllocationProbe(10, 110);
        for (long i = 0; i <= 110; i++)
        {
            _sink = new byte[16];
            probe.Observe(i);
        }
        Assert.True(probe.FirstHalfBytes > 0 && probe.SecondHalfBytes > 0, probe.ToString());
        Assert.True(probe.CleanerHalfBytes > 0);
        Assert.Equal(probe.Bytes, probe.FirstHalfBytes + probe.SecondHalfBytes);
    }

    [Fact]
    public void AOneOffShowsInOneHalfOnly()
    {
        var probe = new AllocationProbe(10, 110);
        for (long i = 0; i <= 110; i++)
        {
            if (i == 80) _sink = new byte[100];
            probe.Observe(i);
        }
        Assert.True(probe.Bytes >= 100, probe.ToString());
        Assert.Equal(0, probe.FirstHalfBytes);
        Assert.Equal(probe.Bytes, probe.SecondHalfBytes);
        Assert.Equal(0, probe.CleanerHalfBytes);
    }

    [Fact]
    public void AnObservationThatPassesBothMiddleAndEndCountsTheWholeWindow()
    {
        var probe = new AllocationProbe(10, 110);
        probe.Observe(10);
        _sink = new byte[100];
        probe.Observe(500);
        Assert.True(probe.Bytes >= 100);
        Assert.Equal(probe.Bytes, probe.CleanerHalfBytes); // the halves were not told apart
    }

    [Fact]
    public void BeforeTheWindowEndsThereIsNoVerdictAndABadWindowIsRefused()
    {
        var probe = new AllocationProbe(10, 110);
        probe.Observe(50);
        probe.Observe(70);
        Assert.Null(probe.Bytes);
        Assert.Null(probe.CleanerHalfBytes);
        Assert.Contains("not passed", probe.ToString());
        Assert.Throws<ArgumentException>(() => new AllocationProbe(5, 6));
        Assert.Throws<ArgumentException>(() => new AllocationProbe(-1, 6));
    }
}
