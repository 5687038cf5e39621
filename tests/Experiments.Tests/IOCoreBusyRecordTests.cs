namespace Experiments.Tests;

/// <summary>How busy a series' server and load cores were, from readings of /proc/stat given here as text.</summary>
public class IOCoreBusyRecordTests
{
    /// <summary>A /proc/stat text with cpu0 and cpu1 having spent the given ticks busy (user) and idle.</summary>
    static CoreTimes Stat(long busy0, long idle0, long busy1, long idle1) => CoreTimes.Parse(
        $"cpu  0 0 0 0 0 0 0 0 0 0\ncpu0 {busy0} 0 0 {idle0} 0 0 0 0 0 0\ncpu1 {busy1} 0 0 {idle1} 0 0 0 0 0 0\n");

    /// <summary>
    /// One timed run in which the server's core 0 was busy 30 of 100 ticks and the load's core 1 90 of 100: each row
    /// is over its own cores; an End without a Begin before it records nothing; the rows carry no pass/fail of their own.
    /// </summary>
    [Fact]
    public void EachSideIsMeasuredOverItsOwnCoresOncePerTimedRun()
    {
        var readings = new Queue<CoreTimes>([Stat(100, 100, 100, 100), Stat(130, 170, 190, 110), Stat(200, 200, 200, 200)]);
        var record = new CoreBusyRecord([0], [1], () => readings.Dequeue());
        record.Begin();
        record.End();
        record.End();
        var rows = record.Rows("s", 1, "p", "n").ToList();
        var server = Assert.Single(rows, r => r.Metric == CoreBusyMetrics.Server);
        var load = Assert.Single(rows, r => r.Metric == CoreBusyMetrics.Load);
        Assert.Equal((30.0, 1), (server.Median, server.Samples));
        Assert.Equal((90.0, 1), (load.Median, load.Samples));
        Assert.All(rows, r => Assert.Equal("", r.Verified));
        Assert.Equal("cores busy during the timed runs (median): server 30% (core(s) 0), load generator 90% (core(s) 1)", record.Describe());
    }
}
