using System.Diagnostics;

namespace Multikernel.Tests.Net;

/// <summary>Every <c>ip</c> command the wire runs ends within its time limit, also one that never closes its output.</summary>
public class IpCommandTests
{
    /// <summary>
    /// A command that outlives its limit (a program run in the test's own namespace with <c>ip netns exec</c> that
    /// sleeps 20 s) is stopped and reported when the limit passes, not waited for until it closes its output.
    /// </summary>
    [Fact]
    public async Task ACommandThatOutlivesItsLimitIsStoppedWhenTheLimitPasses()
    {
        StackOnWire.SkipUnlessAvailable();
        using var wire = VethWire.Create(subnet: 86);
        var clock = Stopwatch.StartNew();
        var run = Task.Run(() => IpCommand.Run(TimeSpan.FromSeconds(1), "netns", "exec", wire.FarNamespace, "sleep", "20"), TestContext.Current.CancellationToken);
        var first = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.True(first == run, $"IpCommand.Run with a 1 s limit still ran after {clock.Elapsed.TotalSeconds:F0} s");
        var e = await Assert.ThrowsAsync<WireException>(() => run);
        Assert.Contains("did not finish within 1 s", e.Message);
    }
}
