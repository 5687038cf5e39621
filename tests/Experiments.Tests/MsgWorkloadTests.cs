using Fig1.SharedState;
using Multikernel;
using Multikernel.CpuDriver;
using Multikernel.Urpc;

namespace Experiments.Tests;

/// <summary>
/// MSG, on the kernel path and raw: the server applies every request exactly once and its replies report exactly the
/// states it applied; the client's reply check catches a server that does not.
/// </summary>
public class MsgWorkloadTests
{
    static readonly SweepSize Small = new(Iterations: 2_000, Repetitions: 3, Warmup: 100);

    [Theory]
    [InlineData(1, 1, MsgPath.Kernel)]
    [InlineData(8, 1, MsgPath.Kernel)]
    [InlineData(1, 8, MsgPath.Kernel)]
    [InlineData(8, 8, MsgPath.Kernel)]
    [InlineData(8, UpdateProtocol.MaxWindow, MsgPath.Kernel)]
    [InlineData(1, 1, MsgPath.Raw)]
    [InlineData(8, 1, MsgPath.Raw)]
    [InlineData(8, UpdateProtocol.MaxWindow, MsgPath.Raw)]
    public void ServerAppliesEachRequestOnceAndRepliesWithTheAppliedState(int lines, int window, MsgPath path)
    {
        Assert.SkipUnless(TestCores.HasTwo, "needs two cores: MSG has a server core and a client core (the refusal on one core is MsgOnOneCoreIsRefusedWithReason)");
        var cores = TestCores.UpToTwo;
        var m = MsgWorkload.Run(cores, lines, Small, window, path);
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
        // One server-cost sample per `iterations` timed requests taken in counted rounds: at least one per repetition's worth.
        Assert.InRange(m.ServerCyclesPerOp.Length, 1, (cores.Length - 1) * Small.Repetitions);
        Assert.All(m.ServerCyclesPerOp, c => Assert.True(c > 0, $"server cost sample {c}"));
    }

    /// <summary>
    /// A server that fails is reported as the cause, at once: its clients then wait for replies that never come (the raw
    /// ones until their stall guard gives up, the kernel path's until the host's bound), and their timeouts are not
    /// what went wrong.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AFailedServerIsReportedAsTheCauseNotTheClientsWaitingForIt(bool clientGaveUp)
    {
        var server = new TaskCompletionSource<ServerReport>();
        var client = new TaskCompletionSource<ClientReport>();
        server.SetException(new InvalidDataException("MSG server: unexpected message type 7 from client 0"));
        if (clientGaveUp) client.SetException(new TimeoutException("no progress for 60 s while waiting for a reply from the server"));
        var e = Record.Exception(() => MsgWorkload.Collect(server.Task, [client.Task], [0, 1], TimeSpan.FromSeconds(5), () => 0));
        var root = e is AggregateException { InnerException: { } inner } ? inner : e;
        Assert.True(root is InvalidDataException, $"reported {root?.GetType().Name}: {root?.Message}");
        Assert.Contains("unexpected message type 7", root!.Message);
    }

    [Fact]
    public void CollectReturnsEveryReportOrNamesWhatItWaitedFor()
    {
        var server = new TaskCompletionSource<ServerReport>();
        var done = new TaskCompletionSource<ClientReport>();
        var silent = new TaskCompletionSource<ClientReport>();
        var report = new ClientReport { CyclesPerOp = [1], OpsPerSecond = [1], Disturbed = [false], Replies = 1, ReplyValueSum = 1, Failure = null };
        done.SetResult(report);
        var e = Assert.Throws<TimeoutException>(() => MsgWorkload.Collect(server.Task, [done.Task, silent.Task], [4, 5, 6], TimeSpan.FromMilliseconds(50), () => 0));
        Assert.Contains("client on core 6", e.Message);
        silent.SetResult(report);
        var serverReport = new ServerReport { CyclesPerUpdate = [1], Served = 2, ReplyValueSum = 3, FinalLines = [2], Descheduled = 0 };
        server.SetResult(serverReport);
        var (s, c) = MsgWorkload.Collect(server.Task, [done.Task, silent.Task], [4, 5, 6], TimeSpan.FromSeconds(5), () => 0);
        Assert.Same(serverReport, s);
        Assert.Equal([report, report], c);
    }

    /// <summary>
    /// The host's bound is on a stall, not on the run: while the participants' progress count keeps changing, a run is
    /// waited for however long it takes (here five stall periods: the progress source finishes the run on its fifth
    /// reading); a run of the size the command line allows may take longer than the bound.
    /// </summary>
    [Fact]
    public void CollectWaitsForARunThatKeepsProgressingPastTheStallBound()
    {
        var server = new TaskCompletionSource<ServerReport>(TaskCreationOptions.RunContinuationsAsynchronously);
        var client = new TaskCompletionSource<ClientReport>(TaskCreationOptions.RunContinuationsAsynchronously);
        var report = new ClientReport { CyclesPerOp = [1], OpsPerSecond = [1], Disturbed = [false], Replies = 1, ReplyValueSum = 1, Failure = null };
        var serverReport = new ServerReport { CyclesPerUpdate = [1], Served = 1, ReplyValueSum = 1, FinalLines = [1], Descheduled = 0 };
        long readings = 0;
        long Progress()
        {
            long n = ++readings;
            if (n == 5)
            {
                client.TrySetResult(report);
                server.TrySetResult(serverReport);
            }
            return n;
        }
        var (s, c) = MsgWorkload.Collect(server.Task, [client.Task], [0, 1], TimeSpan.FromMilliseconds(20), Progress);
        Assert.Same(serverReport, s);
        Assert.Equal([report], c);
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
        // The window is refused before any core is used, so two core numbers do on any machine (TestCores.UpToTwo is one
        // core on a one-core machine, where MSG's own refusal of one core came first and this test failed).
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => MsgWorkload.Run([0, 1], 1, Small, UpdateProtocol.MaxWindow + 1));
        Assert.Contains($"1..{UpdateProtocol.MaxWindow}", e.Message);
    }

    public enum Fault { None, LinesDisagree, ValueRepeated, WrongTag }

    /// <summary>
    /// One MSG client of <paramref name="path"/> on the second core against a server of the test's own on the first
    /// (made on the binding's server end): both start once spawned, and the client's report and the server come back.
    /// </summary>
    static async Task<(ClientReport Report, TServer Server)> RunClientAgainst<TServer>(Func<UrpcEndpoint, TServer> makeServer, SweepSize size, int window, MsgPath path)
        where TServer : OneShot
    {
        Assert.SkipUnless(TestCores.HasTwo, "needs two cores; this process may use one (the test's server would hold the only core while the client waits on it)");
        var cores = TestCores.UpToTwo;
        using var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = cores });
        var binding = await mk.BindAsync(cores.Length - 1, 0, UpdateProtocol.RingSlots);
        var server = makeServer(binding.Server);
        var outcome = new DispatcherOutcome<ClientReport>();
        await mk.SpawnAsync(0, 0, () => server);
        await mk.SpawnAsync(0, cores.Length - 1, () => path == MsgPath.Raw
            ? new RawUpdateClient(binding.Client, size, window, outcome)
            : new UpdateClient(binding.Client, size, window, outcome));
        server.Go = true;
        outcome.Open();
        var report = await outcome.Completion.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        mk.Shutdown();
        return (report, server);
    }

    /// <summary>A test dispatcher that does its work once, in its first run upcall after the test sets <see cref="Go"/>.</summary>
    abstract class OneShot(string name) : Dispatcher(name)
    {
        public volatile bool Go;
        bool _done;
        protected override bool HasLocalWork => Go && !_done;
        protected override bool Run()
        {
            if (!Go || _done) return false;
            _done = true;
            Act();
            return true;
        }
        protected abstract void Act();
    }

    /// <summary>A server that replies like the real one, except that its 5th reply is wrong in the chosen way.</summary>
    sealed class FaultyServer(UrpcEndpoint client, long requests, Fault fault) : OneShot("faulty-server")
    {
        protected override void Act()
        {
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
        }
    }

    [Theory]
    [InlineData(Fault.None, MsgPath.Kernel)]
    [InlineData(Fault.LinesDisagree, MsgPath.Kernel)]
    [InlineData(Fault.ValueRepeated, MsgPath.Kernel)]
    [InlineData(Fault.WrongTag, MsgPath.Kernel)]
    [InlineData(Fault.None, MsgPath.Raw)]
    [InlineData(Fault.LinesDisagree, MsgPath.Raw)]
    [InlineData(Fault.ValueRepeated, MsgPath.Raw)]
    [InlineData(Fault.WrongTag, MsgPath.Raw)]
    public async Task ClientDetectsRepliesThatDoNotMatchAnAppliedState(Fault fault, MsgPath path)
    {
        var size = new SweepSize(Iterations: 20, Repetitions: 1, Warmup: 0);
        var (report, _) = await RunClientAgainst(server => new FaultyServer(server, size.OpsPerThread, fault), size, window: 1, path);
        Assert.Equal(size.OpsPerThread, report.Replies);
        if (fault == Fault.None) Assert.Null(report.Failure);
        else Assert.Contains("reply type", report.Failure);
    }

    /// <summary>
    /// A server that takes as many requests as the client's window lets it send before it has a reply, waits 100 ms for
    /// one more (which a client keeping to its window never sends), replies to all it took, then serves the rest of the
    /// planned requests in turn and counts what arrives in the 100 ms after them (a client sends no more than planned).
    /// </summary>
    sealed class WindowServer(UrpcEndpoint client, long requests, int window) : OneShot("window-server")
    {
        public volatile int MostInFlight, BeyondPlan;

        void TakeFor100Ms(List<ulong> tags)
        {
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (waited.ElapsedMilliseconds < 100)
                if (client.Receiver.TryReceive(out UrpcMessage m)) tags.Add(UpdateProtocol.Request.Decode(in m).Tag);
        }

        protected override void Act()
        {
            var taken = new List<ulong>();
            while (taken.Count < window)
            {
                var m = client.Receiver.Receive();
                taken.Add(UpdateProtocol.Request.Decode(in m).Tag);
            }
            TakeFor100Ms(taken);
            MostInFlight = taken.Count;
            for (int i = 0; i < requests; i++)
            {
                if (i == taken.Count)
                {
                    var m = client.Receiver.Receive();
                    taken.Add(UpdateProtocol.Request.Decode(in m).Tag);
                }
                client.Sender.Send(new UpdateProtocol.Reply(taken[i], (ulong)i + 1, (ulong)i + 1));
            }
            int planned = taken.Count;
            TakeFor100Ms(taken);
            BeyondPlan = taken.Count - planned;
        }
    }

    /// <summary>A client keeps at most its window of requests in flight: the next one waits for a reply.</summary>
    [Theory]
    [InlineData(1, MsgPath.Kernel)]
    [InlineData(4, MsgPath.Kernel)]
    [InlineData(1, MsgPath.Raw)]
    [InlineData(4, MsgPath.Raw)]
    public async Task AClientKeepsNoMoreThanItsWindowInFlight(int window, MsgPath path)
    {
        var size = new SweepSize(Iterations: 2 * window, Repetitions: 1, Warmup: 0);
        var (report, server) = await RunClientAgainst(server => new WindowServer(server, size.OpsPerThread, window), size, window, path);
        Assert.Null(report.Failure);
        Assert.Equal(0, server.BeyondPlan);
        Assert.Equal(window, server.MostInFlight);
    }

    /// <summary>A client that sends one message of a type the update protocol does not have.</summary>
    sealed class StrayClient(UrpcEndpoint server) : OneShot("stray-client")
    {
        protected override void Act() => server.Sender.Send(new UpdateProtocol.Reply(7, 1, 1)); // a reply where the server takes only requests
    }

    [Theory]
    [InlineData(MsgPath.Kernel)]
    [InlineData(MsgPath.Raw)]
    public async Task ServerFailsOnAMessageThatIsNotARequestAndSaysFromWhom(MsgPath path)
    {
        Assert.SkipUnless(TestCores.HasTwo, "needs two cores; this process may use one");
        var cores = TestCores.UpToTwo;
        using var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = cores });
        var binding = await mk.BindAsync(cores.Length - 1, 0, UpdateProtocol.RingSlots);
        var outcome = new DispatcherOutcome<ServerReport>();
        await mk.SpawnAsync(0, 0, () => path == MsgPath.Raw
            ? new RawUpdateServer([binding.Server], lines: 2, expected: 10, batch: 10, numaNode: -1, outcome)
            : new UpdateServer([binding.Server], lines: 2, expected: 10, batch: 10, numaNode: -1, outcome));
        var client = new StrayClient(binding.Client);
        await mk.SpawnAsync(0, cores.Length - 1, () => client);
        outcome.Open();
        client.Go = true;
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => outcome.Completion.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        mk.Shutdown();
        Assert.Contains($"unexpected message type {UpdateProtocol.Reply.TypeId} from client 0", e.Message);
    }

    /// <summary>
    /// The check that every applied state is reported once: 1 + 2 + ... + total, as the sums of the reply values wrap
    /// modulo 2^64. Beyond 2^32 requests (e.g. 15 clients x 3 repetitions x 1.1 x 10^8, which the command line allows)
    /// total x (total + 1) passes 2^64, so the triangle number must be taken without that product wrapping.
    /// </summary>
    [Theory]
    [InlineData(1_000L)]
    [InlineData((1L << 32) + 1)]
    [InlineData((1L << 33) + 2)]
    [InlineData(15L * 3 * 110_000_000)]
    public void TheReplySumCheckHoldsForEveryTotalTheCommandLineAllows(long expected)
    {
        ulong triangle = (ulong)((UInt128)(ulong)expected * (ulong)(expected + 1) / 2); // mod 2^64, as the sums wrap
        Assert.Null(MsgWorkload.Verify(expected, Server(expected, triangle), [Client(expected, triangle)]));
        Assert.Contains("reply values sum to", MsgWorkload.Verify(expected, Server(expected, triangle + 1), [Client(expected, triangle + 1)]));
    }

    /// <summary>A server's report of a run of <paramref name="expected"/> requests: all served, every line at that count unless <paramref name="lines"/> says otherwise.</summary>
    static ServerReport Server(long expected, ulong sum, long? served = null, long[]? lines = null) =>
        new() { CyclesPerUpdate = [1.0], Served = served ?? expected, ReplyValueSum = sum, FinalLines = lines ?? [expected, expected], Descheduled = 0 };

    /// <summary>The one client's report of a run of <paramref name="expected"/> requests: every reply received unless <paramref name="replies"/> says otherwise.</summary>
    static ClientReport Client(long expected, ulong sum, long? replies = null, string? failure = null) =>
        new() { CyclesPerOp = [1.0], OpsPerSecond = [1.0], Disturbed = [false], Replies = replies ?? expected, ReplyValueSum = sum, Failure = failure };

    /// <summary>Each count the run's check compares with the plan, and the clients' own reply checks, is named when it disagrees.</summary>
    [Fact]
    public void TheRunsCheckNamesEachCountThatDisagreesWithThePlan()
    {
        const long Expected = 10;
        const ulong Sum = 55; // 1 + 2 + ... + 10
        Assert.Null(MsgWorkload.Verify(Expected, Server(Expected, Sum), [Client(Expected, Sum)]));
        Assert.Equal("client: reply type 41 tag 3 (expected 4)", MsgWorkload.Verify(Expected, Server(Expected, Sum), [Client(Expected, Sum, failure: "client: reply type 41 tag 3 (expected 4)")]));
        Assert.Equal("server served 9 requests, expected 10", MsgWorkload.Verify(Expected, Server(Expected, Sum, served: 9), [Client(Expected, Sum)]));
        Assert.Equal("server line 0 holds 9, expected 10", MsgWorkload.Verify(Expected, Server(Expected, Sum, lines: [9, 10]), [Client(Expected, Sum)]));
        Assert.Equal("clients received 9 replies, expected 10", MsgWorkload.Verify(Expected, Server(Expected, Sum), [Client(Expected, Sum, replies: 9)]));
        Assert.Equal("clients received reply values summing to 54, the server sent 55", MsgWorkload.Verify(Expected, Server(Expected, Sum), [Client(Expected, Sum - 1)]));
    }

    static UrpcMessage ReplyMessage(ulong tag, ulong first, ulong last) => UrpcMessage.From(new UpdateProtocol.Reply(tag, first, last));

    /// <summary>
    /// The client's reply check, reply by reply: a message of another type is no reply even where its words would pass,
    /// the first inconsistency is the one kept, and a first reply must report an applied state (1 or more).
    /// </summary>
    [Fact]
    public void TheReplyCheckKeepsTheFirstReplyThatIsNoAppliedState()
    {
        var check = new ReplyCheck("client");
        check.Check(ReplyMessage(0, 1, 1));
        check.Check(ReplyMessage(1, 2, 2));
        Assert.Null(check.Failure);
        var stray = ReplyMessage(2, 3, 3);
        stray.Type = UpdateProtocol.Request.TypeId;
        check.Check(stray);
        Assert.Equal("client: reply type 40 tag 2 (expected 2), first line 3, last line 3, previous value 2", check.Failure);
        check.Check(ReplyMessage(2, 3, 4)); // a later inconsistency: the first one stays
        Assert.StartsWith("client: reply type 40 tag 2", check.Failure);
        Assert.Equal(3, check.Replies);
        Assert.Equal(6UL, check.ValueSum);

        var none = new ReplyCheck("client");
        none.Check(ReplyMessage(0, 0, 0)); // a reply before any update was applied
        Assert.Equal("client: reply type 41 tag 0 (expected 0), first line 0, last line 0, previous value 0", none.Failure);
    }

    /// <summary>
    /// The raw server's polling in <see cref="TheRawServersCostLeavesOutItsWaitAfterAnEmptyRound"/>: a clock of the server
    /// thread's own that each read advances by one cycle and each wait after an empty round by <see cref="IdleCycles"/>,
    /// and a count of those waits that the test's client watches.
    /// </summary>
    readonly struct SteppedPolling : IServerPolling
    {
        public const ulong IdleCycles = 1_000_000;
        [ThreadStatic] static ulong t_now;
        static long s_idles;
        public static long Idles => Interlocked.Read(ref s_idles);
        public static ulong Now() => ++t_now;
        public static void Idle()
        {
            t_now += IdleCycles;
            Interlocked.Increment(ref s_idles);
        }
    }

    /// <summary>
    /// The server's cost runs from taking a request from its ring to publishing its reply: the pause after an empty
    /// round is waiting, not part of the next round's cost. The client sends each request only once the server has
    /// waited after an empty round, so every round that takes one follows such a wait; with the round's end read
    /// before the pause, each sample was that pause (1,000,001 cycles of the test's clock) instead of the round alone (1).
    /// </summary>
    [Fact]
    public async Task TheRawServersCostLeavesOutItsWaitAfterAnEmptyRound()
    {
        Assert.SkipUnless(TestCores.HasTwo, "needs two cores for the binding the monitors make between a client core and the server core");
        const int Requests = 20;
        var cores = TestCores.UpToTwo;
        using var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = cores });
        var binding = await mk.BindAsync(cores.Length - 1, 0, UpdateProtocol.RingSlots);
        using var state = new SharedLines(2);
        ServerReport? report = null;
        Exception? failure = null;
        long idles = SteppedPolling.Idles;
        var server = new Thread(() =>
        {
            try { report = RawUpdateServer.Serve<SteppedPolling>([binding.Server], state, Requests, batch: 1); }
            catch (Exception e) { failure = e; }
        }) { IsBackground = true, Name = "raw-server" };
        server.Start();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        void WaitFor(Func<bool> condition, string what)
        {
            while (!condition())
            {
                if (failure != null) throw new InvalidOperationException($"the server failed while the client waited for {what}", failure);
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"the client waited 30 s for {what}");
                Thread.Yield();
            }
        }
        for (ulong tag = 0; tag < Requests; tag++)
        {
            WaitFor(() => SteppedPolling.Idles > idles, "the server to wait after an empty round");
            binding.Client.Sender.Send(new UpdateProtocol.Request(tag, Warmup: false));
            UrpcMessage m = default;
            WaitFor(() => binding.Client.Receiver.TryReceive(out m), $"the reply to request {tag}");
            Assert.Equal(tag, UpdateProtocol.Reply.Decode(in m).Tag);
            idles = SteppedPolling.Idles;
        }
        Assert.True(server.Join(TimeSpan.FromSeconds(30)), "the server did not end after its last request");
        mk.Shutdown();
        Assert.Null(failure);
        Assert.NotNull(report);
        Assert.Equal(Requests, report.Served);
        Assert.Equal(Requests, report.CyclesPerUpdate.Length);
        Assert.All(report.CyclesPerUpdate, c => Assert.True(c == 1,
            $"a round that took one request cost {c} cycles of the test's clock, where only its own end is a step (1); a wait after an empty round is {SteppedPolling.IdleCycles}"));
    }

    /// <summary>
    /// With one request in flight, the server's rounds never mix warm-up and timed requests, so each repetition's timed
    /// requests are exactly one server-cost sample (the batch is the iterations): warm-up requests, here twice as many,
    /// are not timed. The clients' disturbance flags come from the OS's count of involuntary switches, which a test
    /// cannot set; a timed batch of ten round trips lasts microseconds, a small part of a time slice, so most of twelve
    /// are left alone.
    /// </summary>
    [Theory]
    [InlineData(MsgPath.Kernel)]
    [InlineData(MsgPath.Raw)]
    public void WarmUpRequestsAreNotTimedByTheServer(MsgPath path)
    {
        Assert.SkipUnless(TestCores.HasTwo, "needs two cores: MSG has a server core and a client core");
        var size = new SweepSize(Iterations: 10, Repetitions: 12, Warmup: 20);
        var m = MsgWorkload.Run(TestCores.UpToTwo, 1, size, window: 1, path);
        Assert.Null(m.Failure);
        Assert.Equal(size.Repetitions, m.ServerCyclesPerOp.Length);
        Assert.True(m.RepetitionDisturbed.Count(d => !d) > size.Repetitions / 2, $"{m.RepetitionDisturbed.Count(d => d)} of {size.Repetitions} repetitions flagged disturbed");
    }

    /// <summary>
    /// The meter on a clock the test sets: a counted round costs from the previous round's end (a round that took
    /// nothing, or only warm-up requests, moves that start without being counted), a mixed round counts all it took, a
    /// sample is cut once a batch has been taken and is its rounds' cycles over the requests they took.
    /// </summary>
    [Fact]
    public void ServerCostMeterChargesEachCountedRoundFromThePreviousRoundsEnd()
    {
        var meter = new ServerCostMeter(expected: 100, batch: 3);
        meter.Start(0);
        meter.EndRound(0, 0, 100);  // waiting
        meter.EndRound(1, 1, 110);  // 10 cycles
        meter.EndRound(3, 1, 130);  // 20 cycles, 3 requests: 4 taken, 30 cycles
        Assert.Equal([7.5], meter.Samples());
        meter.EndRound(0, 0, 1000); // waiting
        meter.EndRound(2, 0, 1005); // warm-up only
        meter.EndRound(3, 3, 1017); // 12 cycles, 3 requests: exactly a batch
        Assert.Equal([7.5, 4.0], meter.Samples());
    }

    /// <summary>The server-cost meter counts only rounds that took timed requests and cuts a sample per batch of them.</summary>
    [Fact]
    public void ServerCostMeterCountsOnlyRoundsWithTimedRequests()
    {
        var meter = new ServerCostMeter(expected: 100, batch: 10);
        meter.Start();
        for (int i = 0; i < 50; i++) meter.EndRound(0, 0); // waiting: not cost
        Assert.Empty(meter.Samples());
        for (int i = 0; i < 5; i++) meter.EndRound(3, 0);  // warm-up requests only: not counted
        Assert.Empty(meter.Samples());
        for (int i = 0; i < 9; i++) meter.EndRound(1, 1);
        Assert.Empty(meter.Samples());                     // 9 requests: no batch yet
        meter.EndRound(2, 1);                              // 11 requests, a mixed round counts whole
        var samples = meter.Samples();
        Assert.Single(samples);
        Assert.True(samples[0] >= 0);
        for (int i = 0; i < 200; i++) meter.EndRound(1, 1); // more batches than expected/batch + 1: bounded, never throws
        Assert.Equal(100 / 10 + 1, meter.Samples().Length);
    }
}
