using Fig1.SharedState;

namespace Experiments.Tests;

/// <summary>After every shared-memory mode the shared counters hold exactly the expected totals.</summary>
public class SharedStateWorkloadTests
{
    static readonly SweepSize Small = new(Iterations: 3_000, Repetitions: 3, Warmup: 200);

    static readonly int[] Lines = [1, 2, 4, 8];

    public static TheoryData<int, int> LinesAndCores()
    {
        var d = new TheoryData<int, int>();
        foreach (int n in Lines)
            foreach (int k in TestCores.TheoryCoreCounts) d.Add(n, k);
        return d;
    }

    public static TheoryData<int, int, ShmUpdate> LinesCoresAndUpdate()
    {
        var d = new TheoryData<int, int, ShmUpdate>();
        foreach (int n in Lines)
            foreach (int k in TestCores.TheoryCoreCounts)
                foreach (var update in new[] { ShmUpdate.Atomic, ShmUpdate.Plain }) d.Add(n, k, update);
        return d;
    }

    /// <summary>
    /// The theories have the same rows on every machine: the two-core rows are there where this process may use one
    /// core only, and skip there with the reason, instead of vanishing from the run as if they had passed.
    /// </summary>
    [Fact]
    public void EveryCoreCountIsATheoryRowWhateverCoresThisProcessMayUse()
    {
        Assert.Equal([1, 2], LinesAndCores().Where(r => r.Data.Item1 == 1).Select(r => r.Data.Item2));
        Assert.Equal([1, 1, 2, 2], LinesCoresAndUpdate().Where(r => r.Data.Item1 == 1).Select(r => r.Data.Item2));
        Assert.Equal([1, 2], Fig3WorkloadTests.CoreCounts().Select(r => r.Data));
    }

    /// <summary>What every line must hold after a run on <paramref name="cores"/> cores when no update is lost.</summary>
    static long PlannedTotal(int cores) => cores * (long)Small.Repetitions * (Small.Iterations + Small.Warmup);

    /// <summary>
    /// SHM-atomic loses nothing, and neither does plain SHM (the paper's) on one core; plain on several cores is racy
    /// by design, so every line holds between 1 and the planned total, and the reported loss is what the lines show.
    /// </summary>
    [Theory]
    [MemberData(nameof(LinesCoresAndUpdate))]
    public void ShmUpdatesAreExactUnlessPlainAndRacingThenWithinTheTotal(int lines, int cores, ShmUpdate update)
    {
        using var shared = new SharedLines(lines);
        var m = ShmWorkload.Run(TestCores.FirstOrSkip(cores), shared, Small, update);
        long expected = PlannedTotal(cores);
        Assert.Null(m.Failure);
        Assert.Equal(cores * Small.Repetitions, m.CyclesPerOp.Length);
        Assert.Equal(Small.Repetitions, m.RepetitionDisturbed.Length);
        if (update == ShmUpdate.Atomic || cores == 1)
        {
            for (int i = 0; i < lines; i++) Assert.Equal(expected, shared[i]);
            Assert.Equal(0, m.LostUpdates);
            return;
        }
        for (int i = 0; i < lines; i++) Assert.InRange(shared[i], 1, expected);
        double lost = Enumerable.Range(0, lines).Sum(i => (double)(expected - shared[i])) / lines / expected;
        Assert.Equal(lost, m.LostUpdates, 12);
        Assert.InRange(m.LostUpdates, 0, 1);
    }

    /// <summary>
    /// Which runs are checked for exactness: SHM-atomic on any number of cores and plain SHM on one core must show
    /// every increment, so one missing increment (here a line that starts one below zero) fails them; only plain SHM on
    /// several cores is checked within [1, total], where that line passes and its loss is reported.
    /// </summary>
    [Theory]
    [MemberData(nameof(LinesCoresAndUpdate))]
    public unsafe void OneMissingIncrementFailsEveryRunThatMustBeExact(int lines, int cores, ShmUpdate update)
    {
        using var shared = new SharedLines(lines);
        shared.Base[(lines - 1) * SharedLines.WordsPerLine] = -1;
        var m = ShmWorkload.Run(TestCores.FirstOrSkip(cores), shared, Small, update);
        long expected = PlannedTotal(cores);
        if (update == ShmUpdate.Atomic || cores == 1)
            Assert.Equal($"line {lines - 1} holds {expected - 1}, expected {expected}", m.Failure);
        else
        {
            Assert.Null(m.Failure);
            Assert.True(m.LostUpdates > 0, $"lost fraction {m.LostUpdates}");
        }
    }

    /// <summary>The lost fraction is the lines' shortfall from the planned total, averaged over the lines.</summary>
    [Fact]
    public unsafe void TheLostFractionIsTheMeanShortfallOfTheLines()
    {
        using var shared = new SharedLines(2);
        shared.Base[0] = 8;
        shared.Base[SharedLines.WordsPerLine] = 6;
        Assert.Equal(0.3, ShmWorkload.LostFraction(shared, 10), 12); // (2 + 4) / 2 lines / 10
    }

    /// <summary>An update that does nothing, so that a timed batch is only the two clock reads around it.</summary>
    readonly struct NoUpdate : ISharedLinesUpdate
    {
        public unsafe void Apply(long* p, int lines, int updates) { }
    }

    /// <summary>An update that sleeps 20 ms on one core and does nothing on the others (nothing at all in a warm-up of no updates).</summary>
    readonly struct SleepOnCore(int core) : ISharedLinesUpdate
    {
        public unsafe void Apply(long* p, int lines, int updates)
        {
            if (updates > 0 && Multikernel.Hardware.CoreAffinity.CurrentCpu() == core) Thread.Sleep(20);
        }
    }

    /// <summary>
    /// Samples are laid out thread by thread (thread w's repetition r at <c>w * R + r</c>): the thread on the second core
    /// sleeps 20 ms in each timed batch (at least 2 x 10^7 cycles at 1 GHz), the first does nothing, so in every repetition
    /// the OS left alone (a preemption of the first thread would be flagged) the first's sample is the smaller.
    /// </summary>
    [Fact]
    public void SamplesAreLaidOutThreadByThread()
    {
        var cores = TestCores.FirstOrSkip(2);
        using var shared = new SharedLines(1);
        var size = new SweepSize(Iterations: 1, Repetitions: 3, Warmup: 0);
        var (samples, disturbed) = SharedLinesTimer.Run(cores, shared, size, new SleepOnCore(cores[1]));
        for (int r = 0; r < size.Repetitions; r++)
            if (!disturbed[r])
                Assert.True(samples[r] < samples[size.Repetitions + r], $"repetition {r}: first core {samples[r]} cycles, second {samples[size.Repetitions + r]}; all: [{string.Join(", ", samples)}]");
    }

    /// <summary>
    /// A repetition is flagged disturbed when the OS descheduled a thread during its timed batch. The count of
    /// involuntary switches cannot be set by a test, but a batch of no work lasts only the microseconds between its two
    /// reads of that count, a small part of a time slice: most of 50 such repetitions are left alone on any machine that
    /// runs the test at all (a flag set when the count did not change marks all those).
    /// </summary>
    [Fact]
    public void ARepetitionTheOsLeftAloneIsNotFlaggedDisturbed()
    {
        using var shared = new SharedLines(1);
        var size = new SweepSize(Iterations: 1, Repetitions: 50, Warmup: 0);
        var (samples, disturbed) = SharedLinesTimer.Run(TestCores.First(1), shared, size, new NoUpdate());
        Assert.Equal(50, samples.Length);
        Assert.Equal(50, disturbed.Length);
        Assert.True(disturbed.Count(d => !d) > disturbed.Length / 2, $"{disturbed.Count(d => d)} of {disturbed.Length} repetitions flagged disturbed");
    }

    [Fact]
    public unsafe void CheckWithinNamesTheFirstLineOutsideTheRange()
    {
        using var shared = new SharedLines(3);
        for (int i = 0; i < 3; i++) shared.Base[i * SharedLines.WordsPerLine] = 5;
        Assert.Null(shared.CheckWithin(1, 5));
        shared.Base[1 * SharedLines.WordsPerLine] = 0; // every update of line 1 lost: impossible for a racy increment
        Assert.Equal("line 1 holds 0, outside [1, 5]", shared.CheckWithin(1, 5));
        shared.Base[1 * SharedLines.WordsPerLine] = 6; // more increments than were made
        Assert.Equal("line 1 holds 6, outside [1, 5]", shared.CheckWithin(1, 5));
        Assert.Equal([5L, 6L, 5L], shared.Snapshot());
        shared.Base[1 * SharedLines.WordsPerLine] = 1; // all but one increment lost: possible, and within
        Assert.Null(shared.CheckWithin(1, 5));
        shared.Base[2 * SharedLines.WordsPerLine] = 0; // the last line is checked too
        Assert.Equal("line 2 holds 0, outside [1, 5]", shared.CheckWithin(1, 5));
    }

    [Theory]
    [MemberData(nameof(LinesAndCores))]
    public void LockedUpdatesLoseNothing(int lines, int cores)
    {
        foreach (var kind in new[] { HostLock.DotNetLock, HostLock.SpinLock })
        {
            using var shared = new SharedLines(lines);
            var m = LockWorkload.Run(TestCores.FirstOrSkip(cores), shared, Small, kind);
            for (int i = 0; i < lines; i++) Assert.Equal(PlannedTotal(cores), shared[i]);
            Assert.Null(m.Failure);
        }
    }

    [Fact]
    public unsafe void CheckAllNamesTheFirstWrongLine()
    {
        using var shared = new SharedLines(4);
        for (int i = 0; i < 4; i++) shared.Base[i * SharedLines.WordsPerLine] = 7;
        Assert.Null(shared.CheckAll(7));
        shared.Base[3 * SharedLines.WordsPerLine] = 6; // one lost update on the last line
        Assert.Equal("line 3 holds 6, expected 7", shared.CheckAll(7));
        shared.Base[2 * SharedLines.WordsPerLine] = 6; // and on line 2, which is named first
        Assert.Equal("line 2 holds 6, expected 7", shared.CheckAll(7));
    }

    [Fact]
    public unsafe void LinesAreCacheLineAlignedAndSeparate()
    {
        using var shared = new SharedLines(8);
        Assert.Equal(0, (long)shared.Base % 64);
        shared.Base[3 * SharedLines.WordsPerLine] = 1;
        Assert.Equal(1, shared[3]);
        Assert.Equal(0, shared[2] + shared[4]);
    }
}
