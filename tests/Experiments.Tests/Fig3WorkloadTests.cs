using Fig3.TlbShootdown;
using Multikernel;
using Multikernel.Capabilities;
using Multikernel.Hardware;
using Multikernel.Memory;
using Multikernel.Monitor;
using Multikernel.Monitor.Agreement;

namespace Experiments.Tests;

/// <summary>The fig3 workloads' own checks: the host baselines' page states and the multikernel run's accounting.</summary>
public unsafe class Fig3WorkloadTests
{
    static readonly SweepSize Small = new(Iterations: 50, Repetitions: 3, Warmup: 10);

    [Fact]
    public void ProbeTellsReadableWritableAndUnmappedPagesApartWithoutFaulting()
    {
        using var probe = new PageAccessProbe();
        nint p = LinuxVm.MapAnonymous(2);
        nint second = p + LinuxVm.PageSize;
        *(long*)p = 42;
        Assert.True(probe.IsReadable(p));
        Assert.True(probe.IsWritable(p));
        Assert.Equal(42, *(long*)p);                       // the write probe keeps the content

        Assert.Equal(0, LinuxVm.mprotect(p, (nuint)LinuxVm.PageSize, LinuxVm.PROT_READ));
        Assert.True(probe.IsReadable(p));
        Assert.False(probe.IsWritable(p));                 // EFAULT, no signal
        Assert.True(probe.IsWritable(second));             // only the one page changed
        Assert.Equal(0, LinuxVm.mprotect(p, (nuint)LinuxVm.PageSize, LinuxVm.PROT_READ | LinuxVm.PROT_WRITE));
        Assert.True(probe.IsWritable(p));
        Assert.Equal(42, *(long*)p);

        Assert.Equal(0, LinuxVm.mprotect(p, (nuint)LinuxVm.PageSize, LinuxVm.PROT_NONE));
        Assert.False(probe.IsReadable(p));
        Assert.Equal(0, LinuxVm.munmap(p, (nuint)(2 * LinuxVm.PageSize)));
        Assert.False(probe.IsReadable(second));
    }

    /// <summary>The series a workload test runs, each named by its kind and route (the workloads do not read the names).</summary>
    static ShootdownSeries[] Series(params (SeriesKind Kind, RoutingProtocol Protocol)[] series) =>
        [.. series.Select(s => new ShootdownSeries($"{s.Kind}/{s.Protocol}", s.Protocol, s.Kind))];

    /// <summary>Asserts that a Linux baseline passed its checks and gave one positive sample per repetition; returns it.</summary>
    static LatencySamples AssertEveryRepetitionMeasured(LatencySamples m)
    {
        Assert.True(m.Failure == null, m.Failure);
        Assert.Equal(Small.Repetitions, m.Cycles.Length);
        Assert.All(m.Cycles, c => Assert.True(c > 0));
        return m;
    }

    public static TheoryData<int> CoreCounts() => new(TestCores.TheoryCoreCounts);

    [Theory]
    [MemberData(nameof(CoreCounts))]
    public void MprotectBaselineLeavesThePageReadOnlyAfterEachCallAndRestoresIt(int cores)
    {
        var m = AssertEveryRepetitionMeasured(MprotectWorkload.Run(TestCores.FirstOrSkip(cores), Small));
        Assert.Contains($"{Small.TotalOps * 2} page-state probes passed", m.Facts);
        if (cores == 2) Assert.Contains("1 toucher thread(s)", m.Facts);
    }

    [Theory]
    [MemberData(nameof(CoreCounts))]
    public void MunmapBaselineRemovesEachPage(int cores)
    {
        var m = AssertEveryRepetitionMeasured(MunmapWorkload.Run(TestCores.FirstOrSkip(cores), Small));
        Assert.Contains("munmaps verified", m.Facts);
        long verified = long.Parse(m.Facts.Split("; ")[^2].Split(' ')[0]);
        Assert.True(verified > Small.TotalOps / 2, m.Facts); // nearly every munmap checked, the rest counted
    }

    [Fact]
    public void ABaselineWhoseCallStopsCompletingEndsWithATimeoutAndNeverUnmapsTheRegionUnderItsThread()
    {
        var release = new ManualResetEventSlim();
        long reads = 0;
        bool ended = false;
        var stall = TimeSpan.FromMilliseconds(200);
        try
        {
            // A call that never returns, inside the region: the run must stop on its own, and the thread must still find the region mapped.
            var e = Assert.Throws<TimeoutException>(() => HostBaseline.Run("Linux test", TestCores.First(1), Small, "the", () => "calls", () => 1, (region, _) =>
            {
                long sum = 0;
                while (!release.IsSet)
                {
                    sum += Volatile.Read(ref *(long*)region);
                    Volatile.Write(ref reads, reads + 1);
                }
                Volatile.Write(ref ended, true);
                return sum == 0 ? null : "the region's page was not zero";
            }, () => "", stall));
            Assert.Contains("no call completed for 0.2 s", e.Message);
            Assert.Contains("the measuring thread did not stop, so its region stays mapped", e.Message);
            long seen = Volatile.Read(ref reads);
            Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref reads) > seen, TimeSpan.FromSeconds(10)), "the measuring thread stopped reading its region");
        }
        finally { release.Set(); }
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref ended), TimeSpan.FromSeconds(10)), "the measuring thread did not end once released");
    }

    [Fact]
    public void ABaselineRunThatFailsPartWayDividesItsInterruptsByTheCallsItMade()
    {
        if (!TestCores.HasTwo) Assert.Skip("needs two cores: the interrupt count is taken on the other cores");
        int[] cores = TestCores.First(2);
        string header = string.Concat(cores.Select(c => $"   CPU{c}"));
        string interrupts = Path.Combine(TestCores.TempDir(), "interrupts");
        File.WriteAllText(interrupts, $"{header}\nTLB: {string.Join(' ', cores.Select(_ => 0))}   TLB shootdowns\n");
        long made = 0;
        // One repetition of calls, each answered by one shootdown interrupt on the other core, then a failed check: the
        // other repetitions' calls are never made.
        var m = HostBaseline.Run("Linux test", cores, Small, "the", () => $"{made} calls", () => made, (_, reps) =>
        {
            reps.Begin();
            for (int i = 0; i < Small.OpsPerRepetition; i++) { made++; reps.Record(i, 100); }
            reps.End();
            File.WriteAllText(interrupts, $"{header}\nTLB: 0 {made}   TLB shootdowns\n");
            return "a check failed in the second repetition";
        }, () => "", interrupts: interrupts);
        Assert.Equal("a check failed in the second repetition", m.Failure);
        Assert.Single(m.Cycles);
        Assert.Equal(1.0, m.ShootdownInterruptsPerCall); // one interrupt per call made, not per call planned
        Assert.Contains($"during the point's {Small.OpsPerRepetition} calls", m.Facts);
    }

    [Fact]
    public void MultikernelRunServesEveryRequestOnceOnEveryCore()
    {
        Assert.SkipUnless(TestCores.HasTwo, "needs two cores; this process may use one");
        var series = Series((SeriesKind.Shootdown, RoutingProtocol.Unicast), (SeriesKind.Shootdown, RoutingProtocol.Broadcast),
            (SeriesKind.Unmap, RoutingProtocol.NumaAwareMulticast), (SeriesKind.OnePhase, RoutingProtocol.Multicast), (SeriesKind.TwoPhase, RoutingProtocol.Broadcast));
        var m = ShootdownWorkload.Run(TestCores.UpToTwo, series, RoutingGrouping.Package, Small);
        Assert.Equal(5, m.Length);
        foreach (var s in m)
        {
            Assert.Null(s.Failure);
            Assert.Equal(Small.Repetitions, s.Cycles.Length);
            Assert.All(s.Cycles, c => Assert.True(c > 0));
            Assert.Contains($"every core applied {Small.TotalOps * 3} invalidations", s.Facts); // the shootdowns and the unmaps, not the 1PC and 2PC
            Assert.Contains("replica of the system tables equal", s.Facts);
        }
        Assert.Contains("one write to core", m[1].Facts);
        Assert.Contains("one write to core", m[4].Facts);
    }

    [Fact]
    public void OneCoreUnmapNeedsNoMessages()
    {
        var m = ShootdownWorkload.Run(TestCores.First(1), Series((SeriesKind.Unmap, RoutingProtocol.NumaAwareMulticast)), RoutingGrouping.Package, Small);
        Assert.Null(m[0].Failure);
        Assert.Contains("no remote core", m[0].Facts);
        Assert.Throws<ArgumentException>(() => ShootdownWorkload.Run(TestCores.First(1), Series((SeriesKind.Shootdown, RoutingProtocol.Unicast)), RoutingGrouping.Package, Small));
        Assert.Throws<ArgumentException>(() => ShootdownWorkload.Run(TestCores.First(1), Series((SeriesKind.OnePhase, RoutingProtocol.Unicast)), RoutingGrouping.Package, Small));
    }

    [Fact]
    public void CapabilityOperationsAcrossCoresSucceedAndLocalInvocationsAllocateNothing()
    {
        var local = CapabilityWorkload.LocalRows(TestCores.First(1)[0], rounds: 3);
        Assert.Contains(local, r => r.Series == "Invocation: map one 4 KiB frame (VNode.Map)" && r.Metric == "cycles" && r.Median > 0);
        Assert.All(local.Where(r => r.Metric == "allocated_bytes_per_op" && !r.Series.Contains("retype", StringComparison.Ordinal)), r => Assert.Equal(0, r.Median));
        Assert.SkipUnless(TestCores.HasTwo, "the cross-core operations need two cores; this process may use one");
        var rows = CapabilityWorkload.CrossCoreRows(TestCores.UpToTwo, RoutingGrouping.Package, new SweepSize(Iterations: 10, Repetitions: 2, Warmup: 2));
        Assert.Equal(["Capability transfer to another core", "Capability revoke with copies on 2 cores"], rows.Select(r => r.Series));
        Assert.All(rows, r => Assert.Equal("pass", r.Verified));
        Assert.All(rows, r => Assert.True(r.Median > 0));
        Assert.Contains("20 transfers", rows[0].Note);
        Assert.Contains("20 revokes", rows[1].Note); // every timed revoke of the 2 repetitions, none of the warm-up ones
    }

    [Fact]
    public void TransferRowSaysHowManyFramesTheReceiverWasCheckedToHold()
    {
        Assert.SkipUnless(TestCores.HasTwo, "the cross-core operations need two cores; this process may use one");
        var rows = CapabilityWorkload.CrossCoreRows(TestCores.UpToTwo, RoutingGrouping.Package, new SweepSize(Iterations: 10, Repetitions: 2, Warmup: 2));
        Assert.Equal("pass", rows[0].Verified);
        // 10 timed transfers in each of 2 repetitions, each frame looked up in the first core's replica after its repetition.
        Assert.Contains($"after each repetition the first core's replica listed core {TestCores.UpToTwo[1]} as a holder of every frame transferred in it (20 frames checked)", rows[0].Note);
    }

    [Fact]
    public void AFrameTheReceiverIsNotListedAsHoldingFailsTheTransferCheck()
    {
        using var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = TestCores.First(1), CoreRamBytes = 8L << 20 });
        (string?, string?) notHeld = ShootdownWorkload.Wait(mk.CallOn(0, m =>
        {
            var e = m.Ram!.CreateSpace(4 * CapTypeRules.PageSize, out var memory);
            if (e != CapError.Ok) throw new InvalidOperationException($"no CSpace: {e}");
            using (memory)
            {
                e = memory.Driver.Retype(memory.Space, CSpace.BootRam, CapType.Frame, 0, CapTypeRules.PageSize, 2, Cptr.At(DispatcherMemory.SlotsCNode.L1, 0));
                if (e != CapError.Ok) throw new InvalidOperationException($"no frames: {e}");
                // Never transferred: core 1 holds neither frame, and the check of a repetition of one frame finds it too.
                return (CapabilityLoop.FrameNotHeld(m, memory, 2, 1), CapabilityLoop.FrameNotHeld(m, memory, 1, 1));
            }
        }), "the check on core 0");
        Assert.StartsWith("after a repetition of transfers core #1 is not listed as a holder of frame 0", notHeld.Item1);
        Assert.StartsWith("after a repetition of transfers core #1 is not listed as a holder of frame 0", notHeld.Item2);
    }

    [Fact]
    public void CapabilityRowsClaimNoDisturbanceCountTheyDidNotMeasure()
    {
        // The invocation and capability loops do not watch the OS descheduling their thread: their rows must say so,
        // not report "descheduled in 0 of N repetitions".
        var local = CapabilityWorkload.LocalRows(TestCores.First(1)[0], rounds: 3).Where(r => r.Metric == RowFactory.ShootdownMetric).ToList();
        Assert.NotEmpty(local);
        Assert.All(local, r =>
        {
            Assert.DoesNotContain("descheduled in 0 of", r.Note);
            Assert.Contains("OS disturbance: not tracked", r.Note);
        });
        var tracked = RowFactory.Latency("x", 2, "p", RowFactory.ShootdownMetric,
            new LatencySamples { Cycles = [1, 2, 3], Disturbed = [false, true, false], Facts = "" }, "what");
        Assert.Contains("descheduled in 1 of 3 repetitions", tracked.Note);
    }

    /// <summary>The note's median of the undisturbed samples is over the repetitions the OS left alone (sample i is
    /// repetition i's), beside the row's median over them all.</summary>
    [Fact]
    public void TheDisturbanceNoteGivesTheMedianOfTheUndisturbedRepetitions()
    {
        var row = RowFactory.Latency("x", 2, "p", RowFactory.ShootdownMetric,
            new LatencySamples { Cycles = [100, 900, 110, 120], Disturbed = [false, true, false, false], Facts = "" }, "what");
        Assert.Contains("descheduled in 1 of 4 repetitions", row.Note);
        Assert.Contains("median of the 3 undisturbed samples: 110 cycles [no CI]", row.Note);
        Assert.Equal(115, row.Median, 12);
    }

    /// <summary>A loop whose translation steps complete at once (no agreement) and which fails at operation <c>failAt</c>.</summary>
    sealed class FailingLoop(ShootdownSeries[] series, SweepSize size, long failAt) : InterleavedShootdownLoop(null!, series, default, size)
    {
        long _operations;
        ulong _sequence;
        public ShootdownLoopReport? Report { get; private set; }

        protected override string? IssueTranslation(ShootdownSeries s, bool timedStep)
        {
            Completed(new AgreementOutcome(new AgreementTag(0, ++_sequence), false, true, default, 0, 0, 0, 0, 1));
            return null;
        }

        protected override After TranslationCompleted(ShootdownSeries s, bool timedStep, out string? failure)
        {
            failure = ++_operations == failAt ? "stopped by the test" : null;
            return After.NextOperation;
        }

        protected override void Finished(ShootdownLoopReport report) => Report = report;
    }

    /// <summary>
    /// A loop whose steps are agreements that complete at once, one of them (the <c>at</c>-th) twice: at once
    /// (<c>late</c> false), or again just before the next step's own completion.
    /// </summary>
    sealed class TwiceCompletingLoop(ShootdownSeries[] series, SweepSize size, int at, bool late) : InterleavedShootdownLoop(null!, series, default, size)
    {
        ulong _sequence;
        AgreementOutcome _twice;
        public ShootdownLoopReport? Report { get; private set; }

        protected override string? IssueTranslation(ShootdownSeries s, bool timedStep)
        {
            var outcome = new AgreementOutcome(new AgreementTag(0, ++_sequence), false, true, default, 0, 0, 0, 0, 1);
            if (late && (int)_sequence == at + 1) Completed(_twice);
            Completed(outcome);
            if ((int)_sequence == at)
            {
                if (late) _twice = outcome;
                else Completed(outcome);
            }
            return null;
        }

        protected override After TranslationCompleted(ShootdownSeries s, bool timedStep, out string? failure)
        {
            failure = null;
            return After.NextOperation;
        }

        protected override void Finished(ShootdownLoopReport report) => Report ??= report;
    }

    /// <summary>
    /// A step whose agreement completes twice fails the loop: the run's check that every operation completed once
    /// cannot see it in the count of completions, which the loop ends at exactly the planned number.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AStepThatCompletesTwiceFailsTheLoop(bool late)
    {
        var size = new SweepSize(Iterations: 4, Repetitions: 3, Warmup: 1);
        var loop = new TwiceCompletingLoop(Series((SeriesKind.Shootdown, RoutingProtocol.Broadcast), (SeriesKind.Unmap, RoutingProtocol.Unicast)), size, at: 7, late);
        loop.Begin();
        var report = loop.Report!;
        Assert.NotNull(report.Failure);
        Assert.Contains("agreement #0.7 completed when no step of the loop was waiting for it", report.Failure);
        Assert.Equal(report.Failure, loop.CompletionFailure);
        Assert.True(report.Completed < size.TotalOps * 2, $"{report.Completed} operations reported completed");
    }

    [Fact]
    public void ALoopThatFailsMidwayReportsOnlyTheBatchesItMeasuredAndItsRowsNoNumberForASeriesWithNone()
    {
        // Two series, 5 operations per batch: repetition 0 runs series 0 then 1, repetition 1 series 1 then 0. Failing at
        // operation 17 leaves series 1 with two batches, series 0 with one, and no third repetition for either.
        var size = new SweepSize(Iterations: 4, Repetitions: 3, Warmup: 1);
        var loop = new FailingLoop(Series((SeriesKind.Shootdown, RoutingProtocol.Broadcast), (SeriesKind.Shootdown, RoutingProtocol.Unicast)), size, failAt: 17);
        loop.Begin();
        var report = loop.Report!;
        Assert.Equal("stopped by the test", report.Failure);
        Assert.Equal([1, 2], report.Cycles.Select(c => c.Length));
        Assert.Equal([1, 2], report.Disturbed.Select(d => d.Length));

        var row = RowFactory.Latency("x", 2, "p", RowFactory.ShootdownMetric,
            new LatencySamples { Cycles = report.Cycles[1], Disturbed = report.Disturbed[1], Failure = report.Failure, Facts = "" }, "what");
        Assert.Equal(("fail", 2), (row.Verified, row.Samples));
        // A series that failed before its first batch ended has no sample: its row is failed and has no value.
        var none = RowFactory.Latency("x", 2, "p", RowFactory.ShootdownMetric, new LatencySamples { Cycles = [], Disturbed = [], Failure = "stopped", Facts = "" }, "what");
        Assert.Equal(("fail", 0), (none.Verified, none.Samples));
        Assert.True(double.IsNaN(none.Median) && double.IsNaN(none.MedianNs));
    }

    [Fact]
    public void ProcessModeRunChangesEveryCoresOwnPageTableAndChecksEachChange()
    {
        Assert.SkipUnless(TestCores.HasTwo, "needs two cores; this process may use one");
        var series = Series((SeriesKind.Shootdown, RoutingProtocol.Broadcast), (SeriesKind.Unmap, RoutingProtocol.NumaAwareMulticast),
            (SeriesKind.OnePhase, RoutingProtocol.Multicast), (SeriesKind.TwoPhase, RoutingProtocol.Unicast));
        var m = HardwareShootdownWorkload.Run(TestCores.UpToTwo, series, RoutingGrouping.Package, Small);
        Assert.True(m.StartupMs > 0);
        Assert.Equal(4, m.Series.Length);
        long ops = Small.TotalOps * 4, translations = Small.TotalOps * 2;
        foreach (var s in m.Series)
        {
            Assert.True(s.Failure == null, s.Failure);
            Assert.Equal(Small.Repetitions, s.Cycles.Length);
            Assert.All(s.Cycles, c => Assert.True(c > 0));
            Assert.Contains($"{ops} operations in this boot of 2 core process(es)", s.Facts);
            Assert.Contains($"every other core applied {2 * translations} changes to its own page table", s.Facts); // shootdowns and unmaps, not the 1PC and 2PC
            Assert.Contains($"core {TestCores.UpToTwo[0]}'s own checks of the unmap series passed ({2 * Small.TotalOps})", s.Facts);
            Assert.Contains("replica of the system tables equal", s.Facts);
        }
        Assert.Contains("one write to core", m.Series[0].Facts);
    }

    [Fact]
    public void ProcessModeOneCoreUnmapIsALocalMprotect()
    {
        var m = HardwareShootdownWorkload.Run(TestCores.First(1), Series((SeriesKind.Unmap, RoutingProtocol.NumaAwareMulticast)), RoutingGrouping.Package, Small);
        Assert.True(m.Series[0].Failure == null, m.Series[0].Failure);
        Assert.Contains("no remote core", m.Series[0].Facts);
    }

    [Fact]
    public void ProcessModeRunHoldsEveryRepetitionTheCommandLineAllowsForEverySeries()
    {
        // The result block grows with series x repetitions: 13 series (a 2-core point's count) of 5,200 repetitions
        // need more than the region's 1 MiB host arena, and the command line allows up to 10,000. One timed unmap per
        // repetition on one core keeps the run short.
        const int Count = 13, Repetitions = 5_200;
        Assert.True(Repetitions <= SweepSize.Profiles.MaxRepetitions);
        var size = new SweepSize(Iterations: 1, Repetitions, Warmup: 0);
        var series = Series(Enumerable.Repeat((SeriesKind.Unmap, RoutingProtocol.NumaAwareMulticast), Count).ToArray());
        var m = HardwareShootdownWorkload.Run(TestCores.First(1), series, RoutingGrouping.Package, size);
        Assert.All(m.Series, s =>
        {
            Assert.True(s.Failure == null, s.Failure);
            Assert.Equal(Repetitions, s.Cycles.Length);
        });
    }

    [Fact]
    public void InterruptCountOfABaselineRunWhoseChecksFailedIsNotAPass()
    {
        var run = new LatencySamples
        {
            Cycles = [100, 110, 120], Disturbed = new bool[3], Facts = "",
            Failure = "a toucher thread did not keep reading the region during the run", ShootdownInterruptsPerCall = 0.9,
        };
        var row = RowFactory.ShootdownInterrupts(TlbSweep.LinuxMprotect, 2, "call=mprotect;pages=1", run, "mprotect");
        Assert.Equal("fail", row.Verified);
        Assert.Contains("CHECK FAILED: a toucher thread", row.Note);
        Assert.Equal(0.9, row.Median);
        var passed = RowFactory.ShootdownInterrupts(TlbSweep.LinuxMprotect, 2, "call=mprotect;pages=1", new LatencySamples
        {
            Cycles = [100], Disturbed = [false], Facts = "", ShootdownInterruptsPerCall = 1.0,
        }, "mprotect");
        Assert.Equal("pass", passed.Verified);
    }

    [Fact]
    public void InterruptCountsAreReadPerCpuFromTheTlbLine()
    {
        string f = Path.Combine(TestCores.TempDir(), "interrupts");
        File.WriteAllText(f, "           CPU0       CPU1       CPU3\n  0:         44          0          0   IO-APIC   2-edge      timer\nTLB:     139860     448203         12   TLB shootdowns\n");
        var before = TlbShootdownInterrupts.Snapshot(f)!;
        Assert.Equal(new Dictionary<int, long> { [0] = 139860, [1] = 448203, [3] = 12 }, before);
        var after = new Dictionary<int, long>(before) { [1] = 448303, [3] = 12 };
        Assert.Contains("core 1: 100, core 3: 0", TlbShootdownInterrupts.Describe(before, after, [1, 3], "10 calls"));
        Assert.Equal(5.0, TlbShootdownInterrupts.PerCall(before, after, [1, 3], 10)); // (100 + 0) / 2 cores / 10 calls
        Assert.Equal(10.0, TlbShootdownInterrupts.PerCall(before, after, [1], 10));
        Assert.Null(TlbShootdownInterrupts.PerCall(before, after, [1, 2], 10)); // no count for CPU 2
        Assert.Null(TlbShootdownInterrupts.PerCall(null, after, [1], 10));
        File.WriteAllText(f, "           CPU0\n  0:         44   IO-APIC   2-edge      timer\n");
        Assert.Null(TlbShootdownInterrupts.Snapshot(f));
        Assert.Contains("unavailable", TlbShootdownInterrupts.Describe(null, null, [1], "10 calls"));
    }

    [Fact]
    public void InterruptCountsAreReadWhereTheLabelIsRightAlignedOrTheLineShort()
    {
        // A machine with 1000 or more IRQs right-aligns the labels one column further: " TLB:".
        string f = Path.Combine(TestCores.TempDir(), "interrupts");
        File.WriteAllText(f, "            CPU0       CPU1\n   0:         44          0   IO-APIC   2-edge      timer\n TLB:        139        448   TLB shootdowns\n");
        Assert.Equal(new Dictionary<int, long> { [0] = 139, [1] = 448 }, TlbShootdownInterrupts.Snapshot(f));
        // A line with fewer counts than CPUs gives the counts it has.
        File.WriteAllText(f, "           CPU0       CPU1       CPU2\nTLB:         5          6\n");
        Assert.Equal(new Dictionary<int, long> { [0] = 5, [1] = 6 }, TlbShootdownInterrupts.Snapshot(f));
    }

    [Fact]
    public void InterruptsPerCallAreUnknownWithoutCallsOrCoresAndACoreWithoutACountIsNamed()
    {
        var before = new Dictionary<int, long> { [0] = 10, [1] = 20 };
        var after = new Dictionary<int, long> { [0] = 15, [1] = 40 };
        Assert.Null(TlbShootdownInterrupts.PerCall(before, after, [1], 0));
        Assert.Null(TlbShootdownInterrupts.PerCall(before, after, [], 10));
        Assert.Equal("no other core", TlbShootdownInterrupts.Describe(before, after, [], "10 calls"));
        Assert.EndsWith("(/proc/interrupts, from any process): core 1: 20, core 2: unknown", TlbShootdownInterrupts.Describe(before, after, [1, 2], "10 calls"));
        // Process mode: the participating cores' interrupts together, per page-table change.
        Assert.Equal(" (25 in all, 0.5 per page-table change)", HardwareShootdownWorkload.PerChange(before, after, [0, 1], 50));
        Assert.Equal("", HardwareShootdownWorkload.PerChange(before, after, [0, 2], 50));
        Assert.Equal("", HardwareShootdownWorkload.PerChange(before, after, [0, 1], 0));
    }

    [Fact]
    public void ARouteIsDescribedInTheCoresOsNumbers()
    {
        // Two packages of two cores; the run's cores are OS cores 10-13, the route's core indexes 0-3.
        var topology = MachineTopology.FromDescription(packages: 2, nodesPerPackage: 1, l3PerNode: 1, coresPerL3: 2);
        int[] cores = [10, 11, 12, 13];
        string Route(RoutingProtocol p) => ShootdownWorkload.Describe(Routing.Build(p, topology, [0, 1, 2, 3], CoreSet.FirstN(4), 0, RoutingGrouping.Package), cores);
        Assert.Equal("11 12 13", Route(RoutingProtocol.Unicast));
        Assert.Equal("11 12>[13]", Route(RoutingProtocol.Multicast));
        Assert.Equal("one write to core 10's broadcast buffer, acks from 11 12 13", Route(RoutingProtocol.Broadcast));
    }
}

/// <summary>
/// The accounting checks after a multikernel Fig 3 run (modelled and hardware MMU): a run whose counts all agree passes,
/// and each single wrong count fails, naming it. Only passing runs reached these checks in the other tests.
/// </summary>
public class Fig3AccountingTests
{
    static ShootdownWorkload.CoreState[] Modelled(long invalidations) =>
        [.. Enumerable.Range(0, 3).Select(_ => new ShootdownWorkload.CoreState(invalidations, 0, 0, 0, false, "tables"))];

    [Fact]
    public void AModelledRunWhoseCountsAgreePasses() => Assert.Null(ShootdownWorkload.Verify(Modelled(40), 20, 20, 40));

    [Theory]
    [InlineData("completed", "19 operations completed, expected 20")]
    [InlineData("applied", "core #2 applied 39 invalidations, expected 40")]
    [InlineData("active", "core #2 still has 1 agreement(s) in flight")]
    [InlineData("prepared", "core #2 still has 0 agreement(s) in flight, 1 prepared")]
    [InlineData("locks", "1 lock(s)")]
    [InlineData("holds", "core #2's TLB still caches a page")]
    [InlineData("tables", "core #2's replica of the system tables differs from core #0's: other vs tables")]
    public void AModelledRunWithOneWrongCountFailsNamingIt(string wrong, string expected)
    {
        var states = Modelled(40);
        var s = states[2];
        states[2] = wrong switch
        {
            "applied" => s with { Applied = 39 },
            "active" => s with { Active = 1 },
            "prepared" => s with { Prepared = 1 },
            "locks" => s with { Locks = 1 },
            "holds" => s with { Holds = true },
            "tables" => s with { Tables = "other" },
            _ => s,
        };
        var failure = ShootdownWorkload.Verify(states, 20, wrong == "completed" ? 19 : 20, 40);
        Assert.NotNull(failure);
        Assert.Contains(expected, failure);
    }

    /// <summary>The page tables after a modelled run: the shot-down page unmapped, the remapped one at its frame 0x5000, 12 tables as before.</summary>
    [Theory]
    [InlineData("", null)]
    [InlineData("remapped", "after the run the unmapped-and-remapped page translates to 0x6000, not its frame 0x5000")]
    [InlineData("shot", "after the run the first page is mapped again")]
    [InlineData("tables", "page tables went from 12 to 13 over the run's unmap/map cycles")]
    public void AModelledRunsPageTablesPassOnlyAsTheyWereBefore(string wrong, string? expected) =>
        Assert.Equal(expected, ShootdownWorkload.VerifyTables(wrong == "shot", (wrong == "remapped" ? 0x6000UL : 0x5000UL, 0x5000UL), 12, wrong == "tables" ? 13 : 12));

    // 6 shootdown and 4 unmap operations: remote cores apply and check 2 x 10 changes, the first core 2 x 4.
    static HardwareShootdownWorkload.CoreState[] Hardware() =>
    [
        new(8, 8, 8, 0, 0, 0, 0, "", "tables"),
        new(20, 20, 20, 0, 0, 0, 0, "", "tables"),
        new(20, 20, 20, 0, 0, 0, 0, "", "tables"),
    ];

    [Fact]
    public void AHardwareCoresAnswerIsReadBackIntoItsCounts() =>
        Assert.Equal(new HardwareShootdownWorkload.CoreState(1, 2, 3, 4, 5, 6, 7, "first failure", "tables"),
            HardwareShootdownWorkload.CoreState.FromAnswer(new(1, 2, 3, 4, Fig3CoreProgram.Busy(active: 5, prepared: 6, locks: 7)), "first failure", "tables"));

    [Fact]
    public void AHardwareRunWhoseCountsAgreePasses() => Assert.Null(HardwareShootdownWorkload.Verify(Hardware(), 10, 10, 10, 4));

    [Theory]
    [InlineData(1, "check", "a page-table check failed: core #1: page 3 still writable")]
    [InlineData(0, "completed", "9 operations completed, expected 10")]
    [InlineData(2, "applied", "core #2's monitor applied 19 TLB updates, expected 20")]
    [InlineData(2, "changes", "core #2 applied 19 page-table changes, expected 20")]
    [InlineData(2, "passed", "core #2: 19 checks passed and 0 failed, expected 20 passed")]
    [InlineData(2, "failed", "core #2: 20 checks passed and 1 failed")]
    [InlineData(2, "active", "core #2 still has 1 agreement(s) in flight")]
    [InlineData(0, "prepared", "core #0 still has 0 agreement(s) in flight, 1 prepared")]
    [InlineData(1, "locks", "core #1 still has 0 agreement(s) in flight, 0 prepared, 1 lock(s)")]
    [InlineData(2, "tables", "core #2's replica of the system tables differs from core #0's")]
    [InlineData(0, "applied", "the first core applied 7 TLB updates")]
    [InlineData(0, "changes", "and 7 changes")]
    [InlineData(0, "passed", "passed 7 checks")]
    [InlineData(0, "failed", "(1 failed), expected 8 of each")]
    public void AHardwareRunWithOneWrongCountFailsNamingIt(int core, string wrong, string expected)
    {
        var states = Hardware();
        var s = states[core];
        long off = core == 0 ? 7 : 19;
        states[core] = wrong switch
        {
            "check" => s with { FirstFailure = "page 3 still writable" },
            "applied" => s with { Applied = off },
            "changes" => s with { Changes = off },
            "passed" => s with { Passed = off },
            "failed" => s with { Failed = 1 },
            "active" => s with { Active = 1 },
            "prepared" => s with { Prepared = 1 },
            "locks" => s with { Locks = 1 },
            "tables" => s with { Tables = "other" },
            _ => s,
        };
        var failure = HardwareShootdownWorkload.Verify(states, wrong == "completed" ? 9 : 10, 10, 10, 4);
        Assert.NotNull(failure);
        Assert.Contains(expected, failure);
    }
}
