namespace Fig1.SharedState;

/// <summary>
/// How a point with a C twin interleaves C and C#: its repetitions are split into blocks, and each block runs the C
/// twin and then the C# code on the same cores, so that a change of the machine's state during the point (on a VM, the
/// host placing the two virtual CPUs on the hyperthreads of one physical core makes a cache-line round trip several
/// times shorter) falls on both implementations alike instead of on one of them. The C#/C ratio of the point
/// is the median over the blocks of the block's C# median over its C median (<see cref="RowFactory.Ratio"/>).
/// <para>Samples of a block are laid out participant by participant (sample <c>p * R_b + r</c>); <see cref="Pool{T}"/>
/// joins the blocks into the layout of one run of all repetitions (sample <c>p * R + r</c>, the blocks' repetitions
/// in order), which is what <see cref="RowFactory"/> and <see cref="PointMeasurement.PerRepetition"/> read.</para>
/// </summary>
public static class TwinBlocks
{
    /// <summary>Repetitions per block at the least, so that a block's median is a median of several samples.</summary>
    public const int MinRepetitionsPerBlock = 12;
    /// <summary>Blocks per point at the most: each block runs both implementations once, and each run has a fixed start-up cost.</summary>
    public const int MaxBlocks = 12;

    /// <summary>
    /// The repetitions of each block: <c>clamp(repetitions / 12, 1, 12)</c> blocks whose sizes differ by at most one
    /// and add up to <paramref name="repetitions"/> (one block below 24 repetitions).
    /// </summary>
    public static int[] Split(int repetitions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(repetitions, 1);
        int blocks = Math.Clamp(repetitions / MinRepetitionsPerBlock, 1, MaxBlocks);
        var sizes = new int[blocks];
        for (int b = 0; b < blocks; b++) sizes[b] = repetitions / blocks + (b < repetitions % blocks ? 1 : 0);
        return sizes;
    }

    /// <summary>
    /// Joins per-block samples laid out participant by participant (block b: <c>p * reps[b] + r</c>) into one array
    /// laid out the same way over all repetitions (<c>p * sum(reps) + offset_b + r</c>).
    /// </summary>
    public static T[] Pool<T>(IReadOnlyList<T[]> blocks, IReadOnlyList<int> reps)
    {
        if (blocks.Count != reps.Count || blocks.Count == 0)
            throw new ArgumentException($"{blocks.Count} blocks of samples for {reps.Count} block sizes");
        int total = reps.Sum();
        int participants = blocks[0].Length / reps[0];
        var pooled = new T[participants * total];
        int offset = 0;
        for (int b = 0; b < blocks.Count; b++)
        {
            if (blocks[b].Length != participants * reps[b])
                throw new ArgumentException($"block {b + 1} of {blocks.Count} has {blocks[b].Length} samples, expected {participants} participants x {reps[b]} repetitions");
            for (int p = 0; p < participants; p++)
                Array.Copy(blocks[b], p * reps[b], pooled, p * total + offset, reps[b]);
            offset += reps[b];
        }
        return pooled;
    }

    /// <summary>Concatenates per-block arrays that are not laid out by participant (per-repetition flags, server samples).</summary>
    public static T[] Concat<T>(IEnumerable<T[]> blocks) => blocks.SelectMany(b => b).ToArray();

    /// <summary>One block's C#/C ratio: the median of its C# samples over the median of its C samples.</summary>
    public static double BlockRatio(IReadOnlyCollection<double> csharp, IReadOnlyCollection<double> c) =>
        Experiments.Schema.SampleSummary.MedianOf(csharp) / Experiments.Schema.SampleSummary.MedianOf(c);

    /// <summary>The C twin's runs of one point's blocks as one run (samples pooled, the first failure kept).</summary>
    public static TwinRun Join(IReadOnlyList<TwinRun> runs, IReadOnlyList<int> reps) => new()
    {
        CyclesPerOp = Pool(runs.Select(r => r.CyclesPerOp).ToArray(), reps),
        Disturbed = Pool(runs.Select(r => r.Disturbed).ToArray(), reps),
        ServerCyclesPerOp = Concat(runs.Select(r => r.ServerCyclesPerOp)),
        Failure = FirstFailure(runs.Select(r => r.Failure).ToArray()),
    };

    /// <summary>The C# SHM runs of one point's blocks as one run; the lost-update fraction is the repetition-weighted mean.</summary>
    public static PointMeasurement Join(IReadOnlyList<PointMeasurement> runs, IReadOnlyList<int> reps) => new()
    {
        CyclesPerOp = Pool(runs.Select(r => r.CyclesPerOp).ToArray(), reps),
        RepetitionDisturbed = Concat(runs.Select(r => r.RepetitionDisturbed)),
        Failure = FirstFailure(runs.Select(r => r.Failure).ToArray()),
        LostUpdates = runs.Select((r, b) => r.LostUpdates * reps[b]).Sum() / reps.Sum(),
    };

    /// <summary>The C# MSG runs of one point's blocks as one run: samples pooled, counts and sums added.</summary>
    public static MsgMeasurement Join(IReadOnlyList<MsgMeasurement> runs, IReadOnlyList<int> reps) => new()
    {
        ClientCyclesPerOp = Pool(runs.Select(r => r.ClientCyclesPerOp).ToArray(), reps),
        UpdatesPerSecond = Concat(runs.Select(r => r.UpdatesPerSecond)),
        ServerCyclesPerOp = Concat(runs.Select(r => r.ServerCyclesPerOp)),
        Failure = FirstFailure(runs.Select(r => r.Failure).ToArray()),
        RepetitionDisturbed = Concat(runs.Select(r => r.RepetitionDisturbed)),
        ServerDescheduled = runs.Sum(r => r.ServerDescheduled),
        Expected = runs.Sum(r => r.Expected),
        Served = runs.Sum(r => r.Served),
        ServerFinalLines = runs.Select(r => r.ServerFinalLines).Aggregate((a, b) => a.Zip(b, (x, y) => x + y).ToArray()),
        RepliesReceived = runs.Sum(r => r.RepliesReceived),
        ServerReplyValueSum = runs.Aggregate(0UL, (acc, r) => acc + r.ServerReplyValueSum),
        ClientReplyValueSum = runs.Aggregate(0UL, (acc, r) => acc + r.ClientReplyValueSum),
    };

    /// <summary>The first block's failure, prefixed with the block where there are several; null when every block passed.</summary>
    static string? FirstFailure(string?[] failures)
    {
        int b = Array.FindIndex(failures, f => f != null);
        return b < 0 ? null : failures.Length == 1 ? failures[0] : $"block {b + 1} of {failures.Length}: {failures[b]}";
    }
}
