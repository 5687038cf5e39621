using Fig3.TlbShootdown;
using Multikernel.Hardware;
using Multikernel.Monitor;
using Multikernel.Monitor.Agreement;

namespace Experiments.Tests;

/// <summary>
/// The measuring loop both multikernel workloads share (<see cref="InterleavedShootdownLoop"/>), driven without a
/// monitor: each translation step is an agreement that completes inside its own start, as a step with no remote
/// participant does, so every test runs the loop to its end on the test's thread.
/// </summary>
public class Fig3LoopTests
{
    /// <summary>
    /// A loop whose steps complete at once, each with the outcome <see cref="Outcome"/> gives (a committed 1PC unless
    /// it says otherwise); <see cref="BeforeStep"/> runs inside step n (1-based) before it completes.
    /// </summary>
    sealed class ScriptedLoop(SweepSize size, int series = 1) : InterleavedShootdownLoop(null!,
        [.. Enumerable.Range(0, series).Select(i => new ShootdownSeries($"series {i}", RoutingProtocol.Unicast, SeriesKind.Shootdown))], default, size)
    {
        public Action<int>? BeforeStep { get; init; }
        public Func<AgreementTag, AgreementOutcome?>? Outcome { get; init; }
        /// <summary>Runs after operation n (1-based) has completed, before the next one starts.</summary>
        public Action<long>? AfterOperation { get; init; }
        /// <summary>Whether each operation waits for <see cref="ResumeNow"/> before the next one starts.</summary>
        public bool HoldEachOperation { get; init; }
        public int Steps { get; private set; }
        /// <summary>The series of each step, in the order the loop started them.</summary>
        public List<string> Order { get; } = [];
        public List<long> Published { get; } = [];
        public List<ShootdownLoopReport> Reports { get; } = [];

        /// <summary>A completion this loop did not ask for, delivered now.</summary>
        public void Deliver(AgreementTag tag) => Completed(Committed(tag));

        public void ResumeNow() => Resume();
        public void FailNow(string failure) => Fail(failure);

        static AgreementOutcome Committed(AgreementTag tag) => new(tag, false, true, default, 0, 0, 0, 0, 1);

        protected override string? IssueTranslation(ShootdownSeries s, bool timedStep)
        {
            var tag = new AgreementTag(0, (ulong)++Steps);
            Order.Add(s.Name);
            BeforeStep?.Invoke(Steps);
            Completed(Outcome?.Invoke(tag) ?? Committed(tag));
            return null;
        }

        protected override After TranslationCompleted(ShootdownSeries s, bool timedStep, out string? failure)
        {
            failure = null;
            return HoldEachOperation ? After.NextOperationOnResume : After.NextOperation;
        }

        protected override void Progressed(long completed)
        {
            Published.Add(completed);
            AfterOperation?.Invoke(completed);
        }

        protected override void Finished(ShootdownLoopReport report) => Reports.Add(report);
    }

    /// <summary>Spins on the calling thread until the cycle counter has advanced by <paramref name="cycles"/>.</summary>
    static void Spin(ulong cycles)
    {
        ulong start = CycleClock.Now();
        while (CycleClock.Now() - start < cycles) { }
    }

    [Fact]
    public void ABatchOfOneTimedStepWithoutWarmUpIsMeasured()
    {
        // The first timed step of a batch (index 0 of its latencies) is as much a sample as the others.
        var loop = new ScriptedLoop(new SweepSize(Iterations: 1, Repetitions: 3, Warmup: 0), series: 2);
        loop.Begin();
        var report = Assert.Single(loop.Reports);
        Assert.Null(report.Failure);
        Assert.All(report.Cycles, c => Assert.Equal(3, c.Length));
        Assert.All(report.Cycles.SelectMany(c => c), c => Assert.True(c > 0, $"a sample of {c} cycles"));
    }

    [Fact]
    public void EachRepetitionStartsWithTheNextSeriesInTurn()
    {
        // One operation per batch: repetition r runs series r mod 3 first, so drift falls on every series alike.
        var loop = new ScriptedLoop(new SweepSize(Iterations: 1, Repetitions: 3, Warmup: 0), series: 3);
        loop.Begin();
        Assert.Null(Assert.Single(loop.Reports).Failure);
        Assert.Equal([0, 1, 2, 1, 2, 0, 2, 0, 1], loop.Order.Select(n => int.Parse(n["series ".Length..])));
    }

    [Fact]
    public void TheSampleIsTheMedianOfTheBatchWhateverOrderItsStepsTook()
    {
        // Three timed steps that take at least 40M, 0 and 20M cycles, in that order: the median is the 20M one.
        const ulong Mid = 20_000_000;
        ulong[] spins = [2 * Mid, 0, Mid];
        var loop = new ScriptedLoop(new SweepSize(Iterations: 3, Repetitions: 1, Warmup: 0)) { BeforeStep = n => Spin(spins[n - 1]) };
        loop.Begin();
        var report = Assert.Single(loop.Reports);
        Assert.Null(report.Failure);
        double sample = Assert.Single(report.Cycles[0]);
        Assert.True(sample >= Mid, $"the sample is {sample} cycles, below the middle step's {Mid}");
    }

    [Fact]
    public void ACompletionWhileNoStepIsInFlightFailsTheLoopNamingIt()
    {
        // After step 3 has completed, and before step 4 starts, an agreement the loop never started completes, with a
        // sequence above every earlier one: only the step-in-flight check can tell.
        var size = new SweepSize(Iterations: 4, Repetitions: 2, Warmup: 1);
        ScriptedLoop? loop = null;
        loop = new ScriptedLoop(size) { AfterOperation = n => { if (n == 3) loop!.Deliver(new AgreementTag(0, 100)); } };
        loop.Begin();
        var report = Assert.Single(loop.Reports);
        Assert.NotNull(report.Failure);
        Assert.Contains("agreement #0.100 completed when no step of the loop was waiting for it", report.Failure);
    }

    [Fact]
    public void AnAborted2PCEndsTheLoopNamingTheSeries()
    {
        var size = new SweepSize(Iterations: 4, Repetitions: 2, Warmup: 1);
        var loop = new ScriptedLoop(size)
        {
            Outcome = tag => tag.Sequence == 2 ? new AgreementOutcome(tag, TwoPhase: true, Committed: false, AgreementAbortReason.Timeout, 0, 0, 0, 0, 1) : null,
        };
        loop.Begin();
        var report = Assert.Single(loop.Reports);
        Assert.NotNull(report.Failure);
        Assert.StartsWith("a 2PC of series 0 aborted (Timeout", report.Failure);
        Assert.Equal(1, report.Completed);
    }

    [Fact]
    public void TheLoopPublishesItsCountAfterEveryOperation()
    {
        // A process-mode host reads the count only as the loop publishes it (Progressed): once per operation, in order.
        var size = new SweepSize(Iterations: 3, Repetitions: 2, Warmup: 1);
        var loop = new ScriptedLoop(size, series: 2);
        loop.Begin();
        Assert.Null(Assert.Single(loop.Reports).Failure);
        Assert.Equal(Enumerable.Range(1, (int)size.TotalOps * 2).Select(i => (long)i), loop.Published);
    }

    [Fact]
    public void ResumingOrFailingALoopThatHasFinishedDoesNothing()
    {
        // Each operation waits to be resumed (as the process-mode loop waits for its pings); a resume or a failure that
        // arrives after the last operation neither starts another step nor reports again.
        var size = new SweepSize(Iterations: 2, Repetitions: 2, Warmup: 1);
        var loop = new ScriptedLoop(size) { HoldEachOperation = true };
        loop.Begin();
        while (loop.Reports.Count == 0) loop.ResumeNow();
        Assert.Equal(size.TotalOps, loop.Steps);
        loop.ResumeNow();
        loop.FailNow("a ping failed after the end");
        Assert.Equal(size.TotalOps, loop.Steps);
        var report = Assert.Single(loop.Reports);
        Assert.Null(report.Failure);
        Assert.Equal(size.TotalOps, report.Completed);
    }

    [Fact]
    public void ABatchDuringWhichTheOsPreemptedTheLoopIsMarkedDisturbed()
    {
        // The loop's thread and a spinning thread share one core, and the batch's only step lasts until the OS has taken
        // the loop's thread off that core against its will: the batch must say so.
        int core = TestCores.First(1)[0];
        bool stop = false;
        var rival = new Thread(() =>
        {
            CoreAffinity.PinCurrentThread(core);
            while (!Volatile.Read(ref stop)) { }
        }) { IsBackground = true };
        ShootdownLoopReport? report = null;
        string? error = null;
        var measuring = new Thread(() =>
        {
            CoreAffinity.PinCurrentThread(core);
            var loop = new ScriptedLoop(new SweepSize(Iterations: 1, Repetitions: 1, Warmup: 0))
            {
                BeforeStep = _ =>
                {
                    long before = ContextSwitches.InvoluntaryOfThisThread();
                    var clock = System.Diagnostics.Stopwatch.StartNew();
                    while (ContextSwitches.InvoluntaryOfThisThread() == before)
                        if (clock.Elapsed > TimeSpan.FromSeconds(30)) { error = "the OS did not preempt the loop's thread within 30 s"; return; }
                },
            };
            loop.Begin();
            report = loop.Reports.Single();
        }) { IsBackground = true };
        rival.Start();
        try
        {
            measuring.Start();
            Assert.True(measuring.Join(TimeSpan.FromSeconds(60)), "the loop did not end");
        }
        finally { Volatile.Write(ref stop, true); }
        Assert.True(error == null, error);
        Assert.Equal([true], report!.Disturbed[0]);
    }
}
