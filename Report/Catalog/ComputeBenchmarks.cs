namespace Report.Catalog;

/// <summary>
/// The compute chapter's figures: one per benchmark present (seed Figs 4-8 = paper Fig 9), each with panels of time and
/// speedup against cores, with the runtimes (mk, host, pinned, host-spin) as series, and, where the sweep wrote them,
/// mk's paired time ratio over each host runtime.
/// </summary>
public static class ComputeBenchmarks
{
    /// <summary>A benchmark the seed numbers: its key (the Series before '/', upper case), seed figure, subject and checks.</summary>
    public sealed record Benchmark(string Key, string Seed, string Subject, string Checks);

    const string Nas = "Each run is checked against the official NPB verification values of its class; the rows' notes give the check.";
    const string Splash = "Each run is checked against reference values of the original SPLASH-2 program; the rows' notes give the checks.";

    /// <summary>
    /// BARNES on an input other than SPLASH-2's standard one (the quick and full profiles'): the original's values are
    /// known for the standard input only, so such runs are checked for conservation and against a one-worker run
    /// (Splash.Barnes.BarnesVerifier).
    /// </summary>
    static string BarnesChecks(IReadOnlyList<string> inputs)
    {
        string others = $"{string.Join(", ", inputs.Where(i => i != StandardBarnesInput))}, whose values the original program never printed,";
        return inputs.Contains(StandardBarnesInput)
            ? $"Runs on SPLASH-2's standard input are checked against reference values of the original SPLASH-2 program; runs on {others} "
              + "are checked for conservation (energy, momentum, angular momentum) and against a one-worker run of the same code; the rows' notes give the checks."
            : $"Runs on {others} are checked for conservation (energy, momentum, angular momentum) and against a one-worker run of the same code "
              + "(reference values of the original SPLASH-2 program exist for its standard input only); the rows' notes give the checks.";
    }

    const string StandardBarnesInput = "input standard";

    public static readonly IReadOnlyList<Benchmark> Known =
    [
        new("CG", "4", "NAS CG (conjugate gradient)", Nas),
        new("FT", "5", "NAS FT (3-D FFT)", Nas),
        new("IS", "6", "NAS IS (integer sort)", Nas),
        new("BARNES", "7", "SPLASH-2 Barnes-Hut", Splash),
        new("RADIOSITY", "8", "SPLASH-2 radiosity", Splash),
    ];

    /// <summary>The runtimes, multikernel first; the others are the host OS baselines.</summary>
    public const string Multikernel = "mk";
    public static readonly string[] HostRuntimes = ["host", "pinned", "host-spin"];

    /// <summary>What every compute figure shares, said once at the top of the chapter.</summary>
    public const string Intro = "Each figure: wall-clock time (median) of the benchmark's timed region against the number of cores, and the speedup over one "
        + "core of the same runtime, on the same inputs and cores. The runtimes run interleaved: each repetition runs each once, on a runtime "
        + "made for that run, in a balanced Latin square's order (meta.json; rows whose notes give no run order come from an older sweep that "
        + "ran them back to back). mk: the multikernel's user-level threads, a dispatcher per core; host: unpinned threads (NAS: Parallel.For "
        + "on the thread pool; SPLASH: new threads per run); pinned: a pinned thread per core, blocking barriers; host-spin: the same with a "
        + "spin-then-block barrier (OpenMP's active wait). A point that failed its check is listed, never plotted. Nothing in the "
        + "computation is modelled. The paper gives only plots, so no numbers are overlaid; Mop/s rows are in the HTML's full rows.";

    /// <summary>The benchmark key of a row: Param "bench=" (upper case), else the Series before '/'.</summary>
    public static string KeyOf(ResultRow r)
    {
        var p = ParamText.Parse(r.Param);
        return p.TryGetValue("bench", out var b) ? b.ToUpperInvariant() : SeriesName.Group(r.Series).ToUpperInvariant();
    }

    /// <summary>The metric of the sweep's paired rows: mk's time over a host runtime's, repetition by repetition.</summary>
    public const string TimeRatio = "time_ratio";

    /// <summary>
    /// The measured paired row of <paramref name="mk"/>'s point over <paramref name="host"/> (Series and Cores as mk's
    /// seconds row, Param mk's with <c>;over=</c><paramref name="host"/>), or null where the sweep wrote none (an older
    /// sweep, a failed runtime).
    /// </summary>
    public static ResultRow? PairedRow(RowSet s, ResultRow mk, string host) =>
        s.Rows.FirstOrDefault(r => r.Metric == TimeRatio && r.Series == mk.Series && r.Cores == mk.Cores
                                   && r.Param == $"{mk.Param};over={host}" && RowStatus.IsMeasured(r));

    /// <summary>The input a row ran on: "class A" (NPB, Param "class="), "input standard" (SPLASH-2, Param "input="), or null.</summary>
    public static string? InputOf(ResultRow r)
    {
        var p = ParamText.Parse(r.Param);
        return p.TryGetValue("class", out var c) ? $"class {c}" : p.TryGetValue("input", out var i) ? $"input {i}" : null;
    }

    public static IReadOnlyList<FigureSpec> FiguresFor(IReadOnlyList<ResultRow> rows)
    {
        var keys = rows.Select(KeyOf).Distinct().ToList();
        var ordered = Known.Select(k => k.Key).Where(keys.Contains).Concat(keys.Where(k => Known.All(b => b.Key != k)).Order(StringComparer.Ordinal));
        return ordered.Select(key => Figure(key, rows.Where(r => KeyOf(r) == key).ToList())).ToList();
    }

    static FigureSpec Figure(string key, IReadOnlyList<ResultRow> rows)
    {
        var known = Known.FirstOrDefault(b => b.Key == key);
        var inputs = rows.Select(InputOf).OfType<string>().Distinct().ToList();
        string subject = (known?.Subject ?? key) + (inputs.Count > 0 ? $", {string.Join(", ", inputs)}" : "");
        bool Mine(ResultRow r) => KeyOf(r) == key;
        // The id names the inputs too: a comparison pairs figures by id, and times of different inputs are not like for like.
        string id = string.Join("-", new[] { "compute", key }.Concat(inputs).Select(x => x.Replace(' ', '-').ToLowerInvariant()));
        return new FigureSpec(
            id,
            new FigureTitle(known?.Seed ?? ExperimentCatalog.ComputeChapterTitle.Seed, "Fig 9", subject),
            (rows.Any(r => r.Metric == TimeRatio) ? $"Time, speedup and mk's paired ratio over each host runtime of {subject} (mk's time over the runtime's in the "
                + "same repetition, median and 95% CI over the repetitions: a drift of the machine between repetitions falls on both sides of each ratio). "
                : $"Time and speedup of {subject}. ")
            + $"{(key == "BARNES" && inputs.Any(i => i != StandardBarnesInput) ? BarnesChecks(inputs) : known?.Checks ?? "The checks each run passed are in its rows' notes.")}",
            "",
            [
                new("Time", PanelKind.Lines, r => Mine(r) && r.Metric == "seconds", "Time (s)"),
                new("Speedup over one core", PanelKind.Lines, r => Mine(r) && r.Metric == "speedup", "Speedup (x)",
                    References: [ReferenceLine.IdealSpeedup]),
                new("mk / host runtime, paired", PanelKind.Lines, r => Mine(r) && r.Metric == TimeRatio, "mk time / host runtime's time",
                    References: [ReferenceLine.Horizontal(1.0, "1.0"), ReferenceLine.Horizontal(1.05, "1.05")]),
                new("Other metrics", PanelKind.Listed, Mine),
            ],
            [],
            set => FigureReadings.Compute(set, key));
    }
}
