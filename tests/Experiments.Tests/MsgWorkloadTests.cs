using Fig1.SharedState;
using Multikernel;
using Multikernel.CpuDriver;
using Multikernel.Urpc;

namespace Experiments.Tests;

/// <summary>
/// MSG: the server applies every request exactly once and its replies report exactly the states it applied;
/// the client's reply check catches a server that does not.
/// </summary>
public class MsgWorkloadTests
{
    static readonly SweepSize Small = new(Iterations: 2_000, Repetitions: 3, Warmup: 100);

    [Theory]
    [InlineData(1, 1)]
    [InlineData(8, 1)]
    [InlineData(1, 8)]
    [InlineData(8, 8)]
    [InlineData(8, UpdateProtocol.MaxWindow)]
    public void ServerAppliesEachRequestOnceAndRepliesWithTheAppliedState(int lines, int window)
    {
        if (!TestCores.HasTwo)
        {
            Assert.Throws<ArgumentException>(() => MsgWorkload.Run(TestCores.First(1), lines, Small, window));
            return;
        }
        var cores = TestCores.UpToTwo;
        var m = MsgWorkload.Run(cores, lines, Small, window);
        long expected = (cores.Length - 1) * (long)Small.Repetitions * (Small.Iterations + Small.Warmup);
        Assert.Equal(expected, m.Expected);
        Assert.Equal(expected, m.Served);
        Assert.Equal(lines, m.ServerFinalLines.Length);
        Assert.All(m.ServerFinalLines, v => Assert.Equal(expected, v));
        Assert.Equal(expected, m.RepliesReceived);
        // Each applied state 1..expected is reported exactly once: the replies sum to the triangle number.
        ulong triangle = (ulong)expected * (ulong)(expected + 1) / 2;
        Assert.Equal(triangle, m.ServerReplyValueSum);
        Assert.Equal(triangle, m.ClientReplyValueSum);
        Assert.Null(m.Failure);
        Assert.Equal((cores.Length - 1) * Small.Repetitions, m.ClientCyclesPerOp.Length);
        Assert.Equal(Small.Repetitions, m.UpdatesPerSecond.Length);
        Assert.NotEmpty(m.ServerCyclesPerOp);
    }

    [Fact]
    public void MsgOnOneCoreIsRefusedWithReason()
    {
        var e = Assert.Throws<ArgumentException>(() => MsgWorkload.Run(TestCores.First(1), 1, Small, 1));
        Assert.Contains("at least two cores", e.Message);
    }

    [Fact]
    public void WindowOutsideTheRingIsRefused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => MsgWorkload.Run(TestCores.UpToTwo, 1, Small, UpdateProtocol.MaxWindow + 1));
        Assert.Contains($"1..{UpdateProtocol.MaxWindow}", e.Message);
    }

    public enum Fault { None, LinesDisagree, ValueRepeated, WrongTag }

    /// <summary>A server that replies like the real one, except that its 5th reply is wrong in the chosen way.</summary>
    sealed class FaultyServer(UrpcEndpoint client, long requests, Fault fault) : Dispatcher("faulty-server")
    {
        public volatile bool Go;
        bool _done;
        protected override bool HasLocalWork => Go && !_done;
        protected override bool Run()
        {
            if (!Go || _done) return false;
            _done = true;
            ulong value = 0;
            for (long i = 0; i < requests; i++)
            {
                var m = client.Receiver.Receive();
                ulong tag = UpdateProtocol.Request.Decode(in m).Tag, first = ++value, last = value;
                if (i == 4)
                {
                    if (fault == Fault.LinesDisagree) last = value - 1;     // the update reached only some lines
                    if (fault == Fault.ValueRepeated) first = last = --value; // a state reported twice
                    if (fault == Fault.WrongTag) tag += 1;                   // a reply to another request
                }
                client.Sender.Send(new UpdateProtocol.Reply(tag, first, last));
            }
            return true;
        }
    }

    [Theory]
    [InlineData(Fault.None)]
    [InlineData(Fault.LinesDisagree)]
    [InlineData(Fault.ValueRepeated)]
    [InlineData(Fault.WrongTag)]
    public async Task ClientDetectsRepliesThatDoNotMatchAnAppliedState(Fault fault)
    {
        Assert.SkipUnless(TestCores.HasTwo, "needs two cores; this process may use one (the faulty server would hold the only core while the client waits on it)");
        var cores = TestCores.UpToTwo;
        var size = new SweepSize(Iterations: 20, Repetitions: 1, Warmup: 0);
        using var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = cores });
        var binding = await mk.BindAsync(cores.Length - 1, 0, UpdateProtocol.RingSlots);
        var server = new FaultyServer(binding.Server, size.OpsPerThread, fault);
        var outcome = new DispatcherOutcome<ClientReport>();
        await mk.SpawnAsync(0, 0, () => server);
        await mk.SpawnAsync(0, cores.Length - 1, () => new UpdateClient(binding.Client, size, window: 1, outcome));
        server.Go = true;
        outcome.Open();
        var report = await outcome.Completion.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        mk.Shutdown();
        Assert.Equal(size.OpsPerThread, report.Replies);
        if (fault == Fault.None) Assert.Null(report.Failure);
        else Assert.Contains("reply type", report.Failure);
    }
}
