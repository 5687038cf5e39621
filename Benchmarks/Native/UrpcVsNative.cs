using System.Globalization;
using Benchmarks.Runs;
using Experiments.Common;
using Multikernel.Hardware;

namespace Benchmarks.Native;

/// <summary>
/// The issue-2 performance check: the C# URPC round trip against the native C implementation of the same protocol,
/// on the same two cores, alternating native and C# rounds (N C N C ...) so both see the same machine state.
/// Prints medians in cycles and ns and the ratio of the round-trip medians (target: at most 1.20). Writes
/// results.csv and meta.json when --out is given.
/// <para>With <c>--layouts</c> every round also runs the same C source built with other loop alignments (N N32 N64 C#
/// ...): the C round trip alone can move by more than a small target with where gcc puts its poll loops, so a C#/C
/// ratio against one build of the reference is only as good as that build's luck. The rows of the other builds carry
/// <c>align_loops=N</c> in Param, and their ratio rows the metric <c>rtt_ratio_layout</c>.</para>
/// </summary>
public static class UrpcVsNative
{
    public const double Target = 1.20;

    public static int Execute(UrpcVsNativeOptions o, TextWriter stdout, TextWriter stderr)
    {
        string binary = o.NativePath ?? NativeReference.DefaultPath(RepoPaths.Root());
        string library = NativeReference.LoopsLibraryBeside(binary);
        int[] alignments = o.Layouts ? NativeReference.LayoutAlignments : [];
        try
        {
            NativeReference.EnsureBuilt(binary, stderr);
            foreach (int a in alignments) NativeReference.EnsureBuilt(NativeReference.AlignedBeside(binary, a), stderr, "urpc_pingpong", a);
            if (o.Mixed) NativeReference.EnsureBuilt(library, stderr, "urpc_loops");
        }
        catch (InvalidOperationException e) { stderr.WriteLine($"error: {e.Message}"); return 2; }

        // The native builds in the order each round runs them: gcc's default layout first, then each loop alignment.
        (string Label, string Path)[] builds =
            [("native C", binary), .. alignments.Select(a => ($"native C, -falign-loops={a}", NativeReference.AlignedBeside(binary, a)))];
        var nativeRuns = builds.Select(_ => new List<PingPongResult>()).ToArray();
        var managed = new List<PingPongResult>();
        var progress = new SweepProgress("urpc-vs-native", (builds.Length + 1) * o.Rounds, stderr);
        for (int r = 1; r <= o.Rounds; r++)
        {
            for (int b = 0; b < builds.Length; b++)
            {
                progress.Begin($"round {r}/{o.Rounds}: {builds[b].Label}");
                try { nativeRuns[b].Add(NativeReference.Run(builds[b].Path, o.Cores, o.Samples)); }
                catch (Exception e) when (e is InvalidOperationException or FormatException) { stderr.WriteLine($"error: {e.Message}"); return 2; }
                progress.End();
            }
            progress.Begin($"round {r}/{o.Rounds}: C# URPC ring");
            managed.Add(PingPongMeasurement.Run(o.Cores, o.Samples));
            progress.End();
        }

        double ghz = CycleClock.Frequency / 1e9;
        double Med(IEnumerable<double> v) => SampleSummary.Of(v.ToArray()).Median;
        PingPongResult Native(List<PingPongResult> runs) => new(Med(runs.Select(x => x.RttMedian)), Med(runs.Select(x => x.RttP10)), Med(runs.Select(x => x.RttP90)),
            Med(runs.Select(x => x.RttBatchMedian)), Med(runs.Select(x => x.OneWayMedian)), Med(runs.Select(x => x.MsgsPerKcycle)), double.NaN, runs[0].Build);
        var native = nativeRuns[0];
        var n = Native(native);
        var layouts = alignments.Select((a, i) => new NativeLayout(a, Native(nativeRuns[i + 1]))).ToList();
        var m = new PingPongResult(Med(managed.Select(x => x.RttMedian)), Med(managed.Select(x => x.RttP10)), Med(managed.Select(x => x.RttP90)), Med(managed.Select(x => x.RttBatchMedian)),
            Med(managed.Select(x => x.OneWayMedian)), Med(managed.Select(x => x.MsgsPerKcycle)), Med(managed.Select(x => x.RttReceiveMedian)));
        double ratio = m.RttMedian / n.RttMedian;
        double batchRatio = m.RttBatchMedian / n.RttBatchMedian;

        stdout.WriteLine();
        stdout.WriteLine($"URPC ping-pong, cores {o.Cores.Local}<->{o.Cores.Remote}, 16-slot ring, 7-word messages, {o.Samples} timed round trips per round, {o.Rounds} rounds alternating native/C# (median of round medians); TSC {ghz:F3} GHz");
        stdout.WriteLine($"| Implementation                          | RTT median cycles (ns)  | RTT p10..p90 cycles | RTT batch-of-64 cycles | one-way stamped cycles | throughput msgs/kcycle |");
        stdout.WriteLine($"|-----------------------------------------|-------------------------|---------------------|------------------------|------------------------|------------------------|");
        stdout.WriteLine(Line($"native C ({n.Build})", n, ghz));
        foreach (var l in layouts) stdout.WriteLine(Line($"native C, -falign-loops={l.AlignLoops}", l.Result, ghz));
        stdout.WriteLine(Line("C# URPC ring, TryReceive + pause", m, ghz));
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {"C# UrpcReceiver.Receive() (SpinWait)",-39} | {m.RttReceiveMedian,8:F0} ({m.RttReceiveMedian / ghz,7:F1} ns)   | {"-",-19} | {"-",-22} | {"-",-22} | {"-",-22} |"));
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Per-round RTT medians: native [{string.Join(", ", native.Select(x => x.RttMedian.ToString("F0", CultureInfo.InvariantCulture)))}], C# [{string.Join(", ", managed.Select(x => x.RttMedian.ToString("F0", CultureInfo.InvariantCulture)))}]"));
        bool met = ratio <= Target;
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"C#/native round-trip ratio (medians of per-round-trip samples): {ratio:F3} (target <= {Target:F2}: {(met ? "met" : "NOT met")})"));
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"C#/native round-trip ratio (batch-of-64 means, free of TSC granularity): {batchRatio:F3}"));
        if (layouts.Count > 0)
        {
            var all = layouts.Select(l => l.Result).Prepend(n).ToList();
            double spread = all.Max(x => x.RttBatchMedian) / all.Min(x => x.RttBatchMedian);
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"C#/native against the other loop alignments (medians; batch means): {string.Join(", ", layouts.Select(l => $"-falign-loops={l.AlignLoops} {m.RttMedian / l.Result.RttMedian:F3}; {m.RttBatchMedian / l.Result.RttBatchMedian:F3}"))}"));
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"the same C source's round trip (batch means) spans {spread:F3}x across its {all.Count} builds (loop alignment alone): a C#/C target tighter than that cannot be judged against one build"));
        }

        MixedResult? mixed = null;
        if (o.Mixed)
        {
            int batches = MixedBatches(o.Samples);
            stderr.WriteLine($"[urpc-vs-native] mixed pairings on one pair of C#-allocated rings: {o.Rounds} rounds x 4 pairings x {batches} batches of {PingPongMeasurement.RttBatch} round trips");
            mixed = MixedPingPong.Run(library, o.Cores, batches, o.Rounds);
            stdout.WriteLine();
            stdout.WriteLine($"Mixed pairings on the same C#-allocated rings (C = native/urpc_loops.c in this process), median of {PingPongMeasurement.RttBatch}-round-trip batch means, cycles:");
            stdout.WriteLine($"| pinger \\ echo | C# echo | C echo |");
            stdout.WriteLine($"|---------------|---------|--------|");
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| C# pinger     | {mixed.CsPingerCsEcho,7:F1} | {mixed.CsPingerCEcho,6:F1} |"));
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| C pinger      | {mixed.CPingerCsEcho,7:F1} | {mixed.CPingerCEcho,6:F1} |"));
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"C/C in this process over the stand-alone native program's batch figure: {mixed.CPingerCEcho / n.RttBatchMedian:F3} (above 1: the .NET process or the C#-allocated rings cost; near 1 with C# pairings slower: the C# code does)"));
        }

        if (o.OutDir != null) Save(o, n, layouts, m, ratio, batchRatio, ghz, native.Count, mixed);
        return o.Check && !met ? 1 : 0;
    }

    /// <summary>Batches of 64 round trips per pairing and round of the mixed diagnostic.</summary>
    static int MixedBatches(int samples) => Math.Max(100, samples / PingPongMeasurement.RttBatch / 4);

    static string Line(string name, PingPongResult r, double ghz) => string.Create(CultureInfo.InvariantCulture,
        $"| {name,-39} | {r.RttMedian,8:F0} ({r.RttMedian / ghz,7:F1} ns)   | {r.RttP10,8:F0} .. {r.RttP90,-7:F0} | {r.RttBatchMedian,22:F1} | {r.OneWayMedian,22:F0} | {r.MsgsPerKcycle,22:F2} |");

    /// <summary>How each side was compiled: not alike, and said in every ratio row and in meta.json.</summary>
    const string JitNote = "C# loops: tiered JIT with dynamic PGO (the .NET default), measured after at least 1 s of warm-up per phase; " +
                           "C: gcc without profile feedback";

    /// <summary>The reference built with gcc's -falign-loops=<paramref name="AlignLoops"/>, and its medians.</summary>
    internal sealed record NativeLayout(int AlignLoops, PingPongResult Result);

    internal static void Save(UrpcVsNativeOptions o, PingPongResult n, IReadOnlyList<NativeLayout> layouts, PingPongResult m, double ratio, double batchRatio, double ghz, int rounds, MixedResult? mixed)
    {
        var meta = RunMeta.Describe("urpc-vs-native", [o.Cores.Local, o.Cores.Remote], $"samples={o.Samples};rounds={o.Rounds}{(layouts.Count > 0 ? ";layouts" : "")}");
        meta.Notes.Add($"native C reference built with {n.Build} (as the binary reports it)");
        meta.Notes.Add(JitNote);
        foreach (var l in layouts) meta.Notes.Add($"also built with {l.Result.Build} (as the binary reports it): rows with align_loops={l.AlignLoops} in Param");
        string param = $"cores={o.Cores};slots=16;samples={o.Samples};rounds={rounds}";
        // Samples: the values behind one row's statistic over all rounds (per-round-trip samples, 64-round-trip
        // batches, throughput repetitions, or the mixed pairing's batches).
        int roundTrips = o.Samples * rounds, batchMeans = Math.Max(1, o.Samples / PingPongMeasurement.RttBatch) * rounds;
        int throughputBatches = PingPongMeasurement.ThroughputRepetitions * rounds;
        int mixedBatches = mixed == null ? 0 : MixedBatches(o.Samples) * o.Rounds;
        ResultRow Row(string series, string metric, string unit, double v, bool cycles, string note = "", string paramExtra = "", int? samples = null) => new()
        {
            Experiment = "urpc-vs-native", Series = series, Cores = 2, Param = param + paramExtra, Metric = metric, Unit = unit,
            Median = Math.Round(v, 3), CiLow = double.NaN, CiHigh = double.NaN,
            MedianNs = cycles ? Math.Round(v / ghz, 3) : double.NaN, Samples = samples ?? roundTrips, Note = note,
        };
        var rows = new List<ResultRow>
        {
            Row("native C", "rtt_cycles", "cycles", n.RttMedian, true, $"built with {n.Build}"),
            Row("C# URPC ring", "rtt_cycles", "cycles", m.RttMedian, true),
            Row("C# UrpcReceiver.Receive()", "rtt_cycles", "cycles", m.RttReceiveMedian, true),
            Row("native C", "rtt_batch64_cycles", "cycles", n.RttBatchMedian, true, samples: batchMeans),
            Row("C# URPC ring", "rtt_batch64_cycles", "cycles", m.RttBatchMedian, true, samples: batchMeans),
            Row("C#/native", "rtt_batch64_ratio", "ratio", batchRatio, false, JitNote, samples: batchMeans),
            Row("native C", "oneway_stamped_cycles", "cycles", n.OneWayMedian, true),
            Row("C# URPC ring", "oneway_stamped_cycles", "cycles", m.OneWayMedian, true),
            Row("native C", "msgs_per_kcycle", "msgs/kcycle", n.MsgsPerKcycle, false, samples: throughputBatches),
            Row("C# URPC ring", "msgs_per_kcycle", "msgs/kcycle", m.MsgsPerKcycle, false, samples: throughputBatches),
            Row("C#/native", "rtt_ratio", "ratio", ratio, false, $"target <= {Target}; {JitNote}"),
        };
        foreach (var l in layouts)
        {
            string extra = $";align_loops={l.AlignLoops}", series = $"native C, -falign-loops={l.AlignLoops}";
            rows.Add(Row(series, "rtt_cycles", "cycles", l.Result.RttMedian, true, $"built with {l.Result.Build}", extra));
            rows.Add(Row(series, "rtt_batch64_cycles", "cycles", l.Result.RttBatchMedian, true, paramExtra: extra, samples: batchMeans));
            rows.Add(Row($"C#/native, -falign-loops={l.AlignLoops}", "rtt_ratio_layout", "ratio", m.RttMedian / l.Result.RttMedian, false,
                "C# against the same C source built with this loop alignment (the rtt_ratio row is against gcc's default)", extra));
        }
        if (mixed != null)
        {
            const string Mixed = "mixed pairing on one pair of C#-allocated rings (C = native/urpc_loops.c loaded into this process), median of 64-round-trip batch means";
            rows.Add(Row("mixed C# pinger, C# echo", "rtt_batch64_cycles", "cycles", mixed.CsPingerCsEcho, true, Mixed, samples: mixedBatches));
            rows.Add(Row("mixed C pinger, C# echo", "rtt_batch64_cycles", "cycles", mixed.CPingerCsEcho, true, Mixed, samples: mixedBatches));
            rows.Add(Row("mixed C# pinger, C echo", "rtt_batch64_cycles", "cycles", mixed.CsPingerCEcho, true, Mixed, samples: mixedBatches));
            rows.Add(Row("mixed C pinger, C echo", "rtt_batch64_cycles", "cycles", mixed.CPingerCEcho, true, Mixed, samples: mixedBatches));
        }
        ResultsFile.Write(o.OutDir!, rows);
        meta.Status = "complete";
        meta.Finished = DateTimeOffset.UtcNow;
        meta.Save(o.OutDir!);
    }
}
