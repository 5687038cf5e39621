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
        shared.Base[2 * SharedLines.WordsPerLine] = 6; // one lost update on line 2
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
