using System.Globalization;
using Experiments.Common;
using Multikernel.Hardware;

namespace Fig1.SharedState;

/// <summary>
/// Builds result rows from samples: median and 95% CI (Harrell-Davis) over all samples, nanoseconds where the unit
/// is cycles. Samples are laid out participant by participant (sample i belongs to repetition i mod R); given which
/// repetitions the OS disturbed (a measuring thread descheduled during its timed phase), the note says how many and
/// gives the median over the undisturbed samples beside the main one, which keeps every sample.
/// </summary>
public sealed class RowFactory(string experiment)
{
    public ResultRow Cycles(string series, int cores, string param, string metric, ReadOnlySpan<double> samples, bool[]? repDisturbed, string verified, string note) =>
        Make(series, cores, param, metric, "cycles", samples, repDisturbed, verified, note, toNs: true);

    public ResultRow Other(string series, int cores, string param, string metric, string unit, ReadOnlySpan<double> samples, bool[]? repDisturbed, string verified, string note) =>
        Make(series, cores, param, metric, unit, samples, repDisturbed, verified, note, toNs: false);

    /// <summary>
    /// The C#/C ratio of one point: Series as the C# row, Metric "cycles_ratio", Unit "x", Param with "impl=csharp/c";
    /// verified only if both rows are. With one block (<see cref="TwinBlocks"/>) it is <paramref name="csharp"/>'s median
    /// over <paramref name="c"/>'s (the C twin's row of the same point), its interval bounded by the two medians' 95% CIs
    /// (C# low / C high, C# high / C low). With several, it is the median of <paramref name="blockRatios"/> (each block's
    /// C# median over its C median, the C run just before the C# run) with that median's 95% CI; fewer than
    /// <see cref="SampleSummary.MinCountForCi"/> blocks (3 to 5) have none (NaN), and the note says so.
    /// </summary>
    public ResultRow Ratio(string series, int cores, string param, ResultRow csharp, ResultRow c, IReadOnlyList<double> blockRatios)
    {
        string head = string.Create(CultureInfo.InvariantCulture,
            $"C# {csharp.Series} median {csharp.Median:0.#} cycles, the C twin's {c.Series} median {c.Median:0.#} cycles, same cores");
        SampleSummary s;
        string how;
        if (blockRatios.Count < 3)
        {
            s = new SampleSummary(csharp.Median / c.Median, csharp.CiLow / c.CiHigh, csharp.CiHigh / c.CiLow, Math.Min(csharp.Samples, c.Samples));
            how = (blockRatios.Count == 1 ? "C run just before C#" : "C and C# interleaved in 2 blocks of repetitions (too few for a median of the blocks' ratios)")
                  + "; the ratio of the two medians, interval from the two medians' 95% CIs";
        }
        else
        {
            s = SampleSummary.Of(blockRatios.ToArray());
            string ci = blockRatios.Count < SampleSummary.MinCountForCi
                ? $"no 95% CI ({blockRatios.Count} blocks, {SampleSummary.MinCountForCi} needed)"
                : "with its 95% CI";
            how = string.Create(CultureInfo.InvariantCulture,
                $"C and C# interleaved in {blockRatios.Count} blocks of repetitions (each block: C, then C#); the median over the blocks of the block's C# median / C median (blocks {blockRatios.Min():0.###} to {blockRatios.Max():0.###}), {ci}");
        }
        return new()
        {
            Experiment = experiment,
            Series = series,
            Cores = cores,
            Param = $"{param};impl=csharp/c",
            Metric = "cycles_ratio",
            Unit = "x",
            Median = s.Median,
            CiLow = s.CiLow,
            CiHigh = s.CiHigh,
            MedianNs = double.NaN,
            Samples = s.Count,
            Verified = csharp.Verified == "pass" && c.Verified == "pass" ? "pass" : "fail",
            Note = $"{head}; {how}; target at most 1.10",
        };
    }

    ResultRow Make(string series, int cores, string param, string metric, string unit, ReadOnlySpan<double> samples, bool[]? repDisturbed, string verified, string note, bool toNs)
    {
        var s = SampleSummary.Of(samples);
        if (repDisturbed != null) note += "; " + DisturbanceNote(samples, repDisturbed, unit);
        return ResultRow.Summarising(s, experiment, series, cores, param, metric, unit,
            toNs ? CycleClock.ToNanoseconds(s.Median) : double.NaN, verified, note);
    }

    static string DisturbanceNote(ReadOnlySpan<double> samples, bool[] repDisturbed, string unit)
    {
        int reps = repDisturbed.Length, hit = repDisturbed.Count(d => d);
        string head = $"OS disturbance: in {hit} of {reps} repetitions a measuring thread was descheduled during its timed phase (involuntary context switch)";
        if (hit == 0 || hit == reps) return head;
        var clean = new List<double>();
        for (int i = 0; i < samples.Length; i++)
            if (!repDisturbed[i % reps]) clean.Add(samples[i]);
        var c = SampleSummary.Of(clean.ToArray());
        return string.Create(CultureInfo.InvariantCulture,
            $"{head}; median of the {c.Count} undisturbed samples: {c.Median:0.###} {unit} {SampleSummary.IntervalText(c.CiLow, c.CiHigh, "0.###")}");
    }

    public static string Verdict(bool ok) => ok ? "pass" : "fail";
}
