namespace Report.Catalog;

/// <summary>
/// The compute chapter's figures: one per benchmark present (seed Figs 4-8 = paper Fig 9), each a row of two panels,
/// time and speedup against cores, with the runtimes (mk, host, pinned, host-spin) as series.
/// </summary>
public static class ComputeBenchmarks
{
    /// <summary>A benchmark the seed numbers: its key (the Series before '/', upper case), seed figure, subject and checks.</summary>
    public sealed record Benchmark(string Key, string Seed, string Subject, string Checks);

    const string Nas = "Each run is checked against the official NPB verification values of its class; the rows' notes give the check.";
    const string Splash = "Each run is checked against reference values of the original SPLASH-2 program; the rows' notes give the checks.";

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
    public const string Intro = "Each figure: wall-clock time of the benchmark's timed region against the number of cores (each point the median "
        + "over its repetitions), and the speedup over one core of the same runtime, for each runtime on the same inputs and the same "
        + "cores. The sweep measures the runtimes interleaved: each repetition runs every runtime once, each run on a runtime created for "
        + "it alone, in an order that changes from one repetition to the next (a balanced Latin square; the run's meta.json lists it and "
        + "each row's note gives its positions), so a drift of the machine during the sweep falls on every runtime alike; rows whose "
        + "notes give no run order come from an older sweep that ran each runtime's repetitions back to back. mk: the multikernel's user-level threads on its "
        + "dispatchers (one per core); host: unpinned host threads (NAS: Parallel.For on .NET's thread pool; SPLASH: new threads per "
        + "run, as the pthreads originals); pinned: one pinned host thread per core with blocking barriers (System.Threading.Barrier "
        + "for the NAS loops); host-spin: the same pinned threads with a spin-then-block barrier (the active wait OpenMP runtimes use). "
        + "A point that failed its check is listed, never plotted. Nothing in the computation is modelled. The paper ran OpenMP builds "
        + "on Barrelfish and Linux and gives only plots, no numbers, so none are overlaid; Mop/s rows are in the HTML's full rows.";

    /// <summary>The benchmark key of a row: Param "bench=" (upper case), else the Series before '/'.</summary>
    public static string KeyOf(ResultRow r)
    {
        var p = ParamText.Parse(r.Param);
        return p.TryGetValue("bench", out var b) ? b.ToUpperInvariant() : SeriesName.Group(r.Series).ToUpperInvariant();
    }

    /// <summary>The input class or size a row names (Param "class="), or null.</summary>
    public static string? ClassOf(ResultRow r) => ParamText.Parse(r.Param).TryGetValue("class", out var c) ? c : null;

    public static IReadOnlyList<FigureSpec> FiguresFor(IReadOnlyList<ResultRow> rows)
    {
        var keys = rows.Select(KeyOf).Distinct().ToList();
        var ordered = Known.Select(k => k.Key).Where(keys.Contains).Concat(keys.Where(k => Known.All(b => b.Key != k)).Order(StringComparer.Ordinal));
        return ordered.Select(key => Figure(key, rows.Where(r => KeyOf(r) == key).ToList())).ToList();
    }

    static FigureSpec Figure(string key, IReadOnlyList<ResultRow> rows)
    {
        var known = Known.FirstOrDefault(b => b.Key == key);
        var classes = rows.Select(ClassOf).Where(c => c is not null).Distinct().ToList();
        string subject = (known?.Subject ?? key) + (classes.Count > 0 ? $", class {string.Join("/", classes)}" : "");
        bool Mine(ResultRow r) => KeyOf(r) == key;
        return new FigureSpec(
            $"compute-{key.ToLowerInvariant()}",
            new FigureTitle(known?.Seed ?? ExperimentCatalog.ComputeChapterTitle.Seed, "Fig 9", subject),
            $"Time and speedup of {subject}. {known?.Checks ?? "The checks each run passed are in its rows' notes."}",
            "",
            [
                new("Time", PanelKind.Lines, r => Mine(r) && r.Metric == "seconds", "Time (s)"),
                new("Speedup over one core", PanelKind.Lines, r => Mine(r) && r.Metric == "speedup", "Speedup (x)",
                    References: [ReferenceLine.IdealSpeedup]),
                new("Other metrics", PanelKind.Listed, Mine),
            ],
            [],
            set => FigureReadings.Compute(set, key));
    }
}
