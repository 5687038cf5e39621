using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Fig1.SharedState;

namespace Experiments.Tests;

/// <summary>How a point with a C twin is split into interleaved blocks, joined again, and turned into its C#/C ratio.</summary>
public class TwinBlocksTests
{
    [Theory]
    [InlineData(1, new[] { 1 })]
    [InlineData(3, new[] { 3 })]
    [InlineData(23, new[] { 23 })]
    [InlineData(24, new[] { 12, 12 })]
    [InlineData(38, new[] { 13, 13, 12 })]
    [InlineData(151, new[] { 13, 13, 13, 13, 13, 13, 13, 12, 12, 12, 12, 12 })]
    public void RepetitionsSplitIntoAtMostTwelveBlocksOfAtLeastTwelve(int repetitions, int[] expected) =>
        Assert.Equal(expected, TwinBlocks.Split(repetitions));

    [Property]
    public bool BlocksAddUpAndDifferByAtMostOne(PositiveInt repetitions)
    {
        int r = Math.Min(repetitions.Get, 100_000);
        var sizes = TwinBlocks.Split(r);
        return sizes.Sum() == r && sizes.Max() - sizes.Min() <= 1 && sizes.Length <= TwinBlocks.MaxBlocks
               && (sizes.Length == 1 || sizes.Min() >= TwinBlocks.MinRepetitionsPerBlock);
    }

    [Fact]
    public void NoRepetitionsIsRefused() => Assert.Throws<ArgumentOutOfRangeException>(() => TwinBlocks.Split(0));

    /// <summary>Pooled samples are laid out as one run over all repetitions: participant p's repetition r at p * R + r.</summary>
    [Property]
    public bool PoolingKeepsEachParticipantsRepetitionsInOrder(PositiveInt participantCount, PositiveInt repetitions)
    {
        int participants = 1 + participantCount.Get % 5, total = 1 + repetitions.Get % 200;
        var reps = TwinBlocks.Split(total);
        // Sample value = participant * 1000 + its repetition index over the whole point.
        var blocks = new List<int[]>();
        int offset = 0;
        foreach (int r in reps)
        {
            var b = new int[participants * r];
            for (int p = 0; p < participants; p++)
                for (int i = 0; i < r; i++) b[p * r + i] = p * 1000 + offset + i;
            blocks.Add(b);
            offset += r;
        }
        var pooled = TwinBlocks.Pool(blocks, reps);
        return pooled.Length == participants * total
               && Enumerable.Range(0, pooled.Length).All(i => pooled[i] == i / total * 1000 + i % total);
    }

    [Fact]
    public void ABlockOfTheWrongSizeIsAnError()
    {
        var e = Assert.Throws<ArgumentException>(() => TwinBlocks.Pool([new double[4], new double[3]], [2, 2]));
        Assert.Contains("block 2 of 2 has 3 samples", e.Message);
        var counts = Assert.Throws<ArgumentException>(() => TwinBlocks.Pool([new double[2], new double[2]], [2, 2, 2]));
        Assert.Contains("2 blocks of samples for 3 block sizes", counts.Message);
    }

    /// <summary>A block's ratio is of medians: one slow C# sample (a descheduling) moves a mean, not the median.</summary>
    [Fact]
    public void ABlocksRatioIsItsCSharpMedianOverItsCMedian()
    {
        Assert.Equal(3.0, TwinBlocks.BlockRatio([3.0, 300, 3], [1.0, 1, 1]), 12);
        Assert.Equal(0.5, TwinBlocks.BlockRatio([2.0, 2, 2], [4.0, 4, 40]), 12);
    }

    [Fact]
    public void JoinedRunsKeepTheFirstFailingBlockAndAddTheCounts()
    {
        TwinRun Twin(double v, string? failure) => new() { CyclesPerOp = [v, v], Disturbed = [false, v > 1], ServerCyclesPerOp = [v], Failure = failure };
        var twin = TwinBlocks.Join([Twin(1, null), Twin(2, "check line 0 holds 3"), Twin(3, "later")], [1, 1, 1]);
        Assert.Equal([1, 2, 3, 1, 2, 3], twin.CyclesPerOp);
        Assert.Equal([false, false, false, false, true, true], twin.Disturbed);
        Assert.Equal([1, 2, 3], twin.ServerCyclesPerOp);
        Assert.Equal("block 2 of 3: check line 0 holds 3", twin.Failure);
        Assert.Null(TwinBlocks.Join([Twin(1, null)], [1]).Failure);
        Assert.Equal("only", TwinBlocks.Join([Twin(1, "only")], [1]).Failure);
        Assert.Equal("block 1 of 2: first", TwinBlocks.Join([Twin(1, "first"), Twin(2, null)], [1, 1]).Failure);

        PointMeasurement Shm(double lost, int reps, string? failure = null) => new() { CyclesPerOp = new double[reps], RepetitionDisturbed = new bool[reps], LostUpdates = lost, Failure = failure };
        Assert.Equal(0.2, TwinBlocks.Join([Shm(0.1, 3), Shm(0.5, 1)], [3, 1]).LostUpdates, 12); // weighted by repetitions: (0.1 * 3 + 0.5) / 4
        Assert.Equal("block 2 of 2: line 0 holds 5, expected 6", TwinBlocks.Join([Shm(0, 1), Shm(0, 1, "line 0 holds 5, expected 6")], [1, 1]).Failure);
    }

    [Fact]
    public void MsgRunsJoinTheirChecksByAddingThem()
    {
        // Two clients, one repetition per block: client c's sample of the block is n + c.
        MsgMeasurement Msg(long n) => new()
        {
            ClientCyclesPerOp = [n, n + 1], UpdatesPerSecond = [n], ServerCyclesPerOp = [n, n], RepetitionDisturbed = [false],
            ServerDescheduled = 1, Expected = n, Served = n, ServerFinalLines = [n, n], RepliesReceived = n,
            ServerReplyValueSum = (ulong)n, ClientReplyValueSum = (ulong)n + 1,
        };
        var m = TwinBlocks.Join([Msg(10), Msg(20)], [1, 1]);
        Assert.Equal([10.0, 20, 11, 21], m.ClientCyclesPerOp); // client by client, as one run of both repetitions
        Assert.Equal(32UL, m.ClientReplyValueSum);
        Assert.Equal(30, m.Expected);
        Assert.Equal(30, m.Served);
        Assert.Equal([30L, 30L], m.ServerFinalLines);
        Assert.Equal(30, m.RepliesReceived);
        Assert.Equal(30UL, m.ServerReplyValueSum);
        Assert.Equal(2, m.ServerDescheduled);
        Assert.Equal([10.0, 10, 20, 20], m.ServerCyclesPerOp);
        Assert.True(m.Verified);
    }

    /// <summary>
    /// With several blocks the ratio is the median of the per-block ratios, so a block where both implementations ran
    /// slower (the machine changed) does not skew it; the pooled medians would.
    /// </summary>
    [Fact]
    public void TheRatioOfSeveralBlocksIsTheMedianOfTheBlocksRatios()
    {
        var rows = new RowFactory("fig1-shared-state");
        // Blocks 1-3 on a fast placement, 4-5 on a slow one; in every block C# is 1.1x C.
        double[] blockRatios = [1.1, 1.1, 1.1, 1.1, 1.1];
        var cs = rows.Cycles("MSG1", 2, "lines=1", "cycles_per_update", [110, 110, 110, 990, 990], null, "pass", "");
        var c = rows.Cycles("MSG1 (C)", 2, "lines=1;impl=c", "cycles_per_update", [100, 100, 900, 900, 900], null, "pass", "");
        var ratio = rows.Ratio("MSG1", 2, "lines=1", cs, c, blockRatios);
        Assert.Equal(1.1, ratio.Median, 12);
        Assert.Equal(5, ratio.Samples);
        Assert.Contains("interleaved in 5 blocks", ratio.Note);
        Assert.Equal("pass", ratio.Verified);
        Assert.InRange(cs.Median / c.Median, 0.12, 0.13); // what the pooled medians would have said

        var spread = rows.Ratio("MSG1", 2, "lines=1", cs, c, [0.9, 1.0, 1.2, 1.3, 1.05, 1.1]);
        Assert.Equal(1.075, spread.Median, 12);
        Assert.InRange(spread.CiLow, 0.9, spread.Median);
        Assert.InRange(spread.CiHigh, spread.Median, 1.3);
    }

    /// <summary>
    /// Three to five blocks give a median of the blocks' ratios, but too few of them for a 95% CI of that median
    /// (<see cref="Experiments.Schema.SampleSummary.MinCountForCi"/>): the row has none, and its note must not claim one.
    /// </summary>
    [Fact]
    public void ARatioOfTooFewBlocksForACiSaysItHasNone()
    {
        var rows = new RowFactory("fig1-shared-state");
        var cs = rows.Cycles("MSG1", 2, "lines=1", "cycles_per_update", [110, 111, 112, 113, 114, 115], null, "pass", "");
        var c = rows.Cycles("MSG1 (C)", 2, "lines=1;impl=c", "cycles_per_update", [100, 101, 102, 103, 104, 105], null, "pass", "");
        foreach (double[] blocks in new[] { new[] { 1.0, 1.1, 1.2 }, [1.0, 1.1, 1.2, 1.3, 1.4] })
        {
            var ratio = rows.Ratio("MSG1", 2, "lines=1", cs, c, blocks);
            Assert.True(double.IsNaN(ratio.CiLow) && double.IsNaN(ratio.CiHigh), $"{blocks.Length} blocks: [{ratio.CiLow}, {ratio.CiHigh}]");
            Assert.DoesNotContain("95% CI", ratio.Note.Replace("no 95% CI", ""));
            Assert.Contains($"no 95% CI ({blocks.Length} blocks, {Experiments.Schema.SampleSummary.MinCountForCi} needed)", ratio.Note);
        }
        var six = rows.Ratio("MSG1", 2, "lines=1", cs, c, [1.0, 1.1, 1.2, 1.3, 1.4, 1.5]);
        Assert.False(double.IsNaN(six.CiLow));
        Assert.Contains("with its 95% CI", six.Note);
    }

    [Fact]
    public void WithFewerThanThreeBlocksTheRatioIsOfThePooledMediansWithinTheirIntervals()
    {
        var rows = new RowFactory("fig1-shared-state");
        // Seven samples a side: both medians have a 95% CI, so the interval's bounds are numbers (NaN equals NaN).
        var cs = rows.Cycles("SHM1", 1, "lines=1", "cycles_per_update", [10, 11, 12, 13, 14, 15, 16], null, "pass", "");
        var c = rows.Cycles("SHM1 (C)", 1, "lines=1;impl=c", "cycles_per_update", [9, 10, 11, 12, 13, 14, 15], null, "fail", "");
        Assert.True(c.CiLow < c.CiHigh && cs.CiLow < cs.CiHigh, $"C# [{cs.CiLow}, {cs.CiHigh}], C [{c.CiLow}, {c.CiHigh}]");
        var ratio = rows.Ratio("SHM1", 1, "lines=1", cs, c, [1.09]);
        Assert.Equal(cs.Median / c.Median, ratio.Median, 12);
        Assert.Equal(cs.CiLow / c.CiHigh, ratio.CiLow, 12);
        Assert.Equal(cs.CiHigh / c.CiLow, ratio.CiHigh, 12);
        Assert.Contains("C run just before C#", ratio.Note);
        Assert.Equal("fail", ratio.Verified);
        var two = rows.Ratio("SHM1", 1, "lines=1", cs, c, [1.09, 1.2]);
        Assert.Equal(cs.Median / c.Median, two.Median, 12);
        Assert.Contains("interleaved in 2 blocks", two.Note);
    }

    /// <summary>
    /// Samples are laid out participant by participant (sample i is repetition i mod R's): the note's median of the
    /// undisturbed samples is taken over the repetitions the OS left alone, the row's own median over every sample.
    /// </summary>
    [Fact]
    public void TheDisturbanceNoteGivesTheMedianOfTheUndisturbedRepetitions()
    {
        var rows = new RowFactory("fig1-shared-state");
        // Two participants, three repetitions; repetition 1 was disturbed (its samples 900 and 950).
        var row = rows.Cycles("SHM1", 2, "lines=1", "cycles_per_update", [100, 900, 110, 120, 950, 130], [false, true, false], "pass", "");
        Assert.Contains("OS disturbance: in 1 of 3 repetitions", row.Note);
        Assert.Contains("median of the 4 undisturbed samples: 115 cycles [no CI]", row.Note);
        Assert.Equal(125, row.Median, 12);
    }

    /// <summary>A row in cycles carries its median in nanoseconds too (at the calibrated TSC rate); a row in another unit
    /// has none; a point's check gives its Verified word.</summary>
    [Fact]
    public void ACyclesRowCarriesItsMedianInNanosecondsAndItsCheck()
    {
        var rows = new RowFactory("fig1-shared-state");
        var cycles = rows.Cycles("SHM1", 1, "lines=1", "cycles_per_update", [1000, 2000, 3000], null, RowFactory.Verdict(true), "");
        Assert.Equal(Multikernel.Hardware.CycleClock.ToNanoseconds(2000), cycles.MedianNs, 9);
        Assert.Equal("pass", cycles.Verified);
        var other = rows.Other("SHM1", 1, "lines=1", "updates_per_s", "1/s", [1, 2, 3], null, RowFactory.Verdict(false), "");
        Assert.True(double.IsNaN(other.MedianNs));
        Assert.Equal("fail", other.Verified);
    }

    /// <summary>A ratio row is verified only where both of its sides are: a C# run that failed its check fails the ratio whatever C did.</summary>
    [Theory]
    [InlineData("pass", "pass", "pass")]
    [InlineData("fail", "pass", "fail")]
    [InlineData("pass", "fail", "fail")]
    [InlineData("fail", "fail", "fail")]
    public void ARatioIsVerifiedOnlyWhereBothSidesAre(string csharp, string twin, string expected)
    {
        var rows = new RowFactory("fig1-shared-state");
        var cs = rows.Cycles("SHM1", 1, "lines=1", "cycles_per_update", [10, 11, 12, 13, 14], null, csharp, "");
        var c = rows.Cycles("SHM1 (C)", 1, "lines=1;impl=c", "cycles_per_update", [9, 10, 11, 12, 13], null, twin, "");
        Assert.Equal(expected, rows.Ratio("SHM1", 1, "lines=1", cs, c, [1.09]).Verified);
        Assert.Equal(expected, rows.Ratio("SHM1", 1, "lines=1", cs, c, [1.09, 1.1, 1.11]).Verified);
    }
}
