using System.Globalization;
using Report.Catalog;
using Report.Html;

namespace Report.Claims;

/// <summary>
/// The paper's claims that a run can test, each with the rule that decides it from the run's CSV rows, and the
/// reproduction's own targets (<see cref="Checks"/>). Only measured rows count (failed and skipped points never do);
/// where a claim's rows are missing the verdict says "not measured in this run" and why.
/// </summary>
public static class PaperClaims
{
    static string N(double v) => NumberText.Format(v);

    public static readonly IReadOnlyList<Claim> All =
    [
        new("msg-beats-shm",
            "Message passing beats shared memory for updating 8 shared cache lines once enough cores take part",
            "paper Fig 3",
            "MSG8's client latency is below SHM8's at the largest core count measured (not testable where one of the two has no point there); the crossover is the first core count from which it stays below",
            MsgBeatsShm),
        new("server-flat",
            "The server's cost per update does not depend on the number of clients",
            "paper Fig 3 (Server)",
            "the largest and smallest Server8 median over the client counts measured differ by at most 25%; not testable where they do but a client count's point failed verification or has no value (it is named)",
            ServerFlat),
        new("numa-multicast-fastest",
            "NUMA-aware multicast is the fastest TLB shootdown protocol at the largest core count",
            "paper Fig 6",
            "its median is the lowest of the four protocols at the largest core count where all four were measured, or within the lowest one's 95% CI (not testable where the lowest one has too few samples for a 95% CI)",
            NumaMulticastFastest),
        new("unmap-beats-linux",
            "The multikernel's unmap beats Linux's from some number of cores on",
            "paper Fig 7",
            "with real page tables (mmu=hardware), the multikernel unmap is below Linux mprotect from some core count up to the largest both were measured at; the crossover is that core count; "
            + string.Create(CultureInfo.InvariantCulture, $"not testable where Linux's other cores received fewer than {ShootdownInterruptMetrics.MinByIpi} TLB-shootdown interrupts per mprotect at the largest core count (the paper compares messages with IPIs)"),
            UnmapBeatsLinux),
        new("compute-on-par",
            "Compute-bound workloads run as fast on the multikernel as on the host OS (within 5%)",
            "paper Fig 9",
            "at every core count of every benchmark (of each input, where a run holds several), mk's time is at most 1.05 x the best host runtime's on the same input (host, pinned, host-spin: the fastest median): "
            + "the median over the repetitions of mk's time over that runtime's in the same repetition (the sweep's paired time_ratio rows), or, for a sweep without them, mk's median over its median; "
            + "it does not hold where that ratio's 95% CI (without paired rows: the interval the two medians' CIs allow) lies wholly above 1.05; where a median misses but the interval reaches the margin, or there are too few repetitions for a 95% CI, this run cannot decide it; "
            + "nor where a planned run has no rows (the experiment's meta.json lists it as missing), mk or a host runtime failed verification at a point, or a host runtime did not run at all",
            run => AtEveryPoint(ComputeOnPar(run), run, name => name == ExperimentCatalog.Compute)),
        new("web-static",
            "The multikernel's static web server is at least as fast as lighttpd",
            "paper Section 5.4",
            "web static/mk requests per second (the multikernel's user-level stack, stack=user) at least lighttpd's on the same wire (medians); "
            + "not testable where only the stack=kernel variant over Linux's sockets was measured, where the load generator shared the server's cores, "
            + "or was saturated (load cores at 95% busy or more) while it loaded lighttpd when mk reached lighttpd's rate (a lower bound of lighttpd's then), or while it loaded mk when mk fell short",
            WebStatic),
        new("udp-echo",
            "UDP echo throughput of the multikernel is on par with the host's",
            "paper Section 5.4",
            "UDP echo/mk packets per second (stack=user) at least 0.9 x the host loop's on the same wire (medians); not testable on the same conditions as web-static",
            UdpEcho),
    ];

    /// <summary>Targets of the reproduction itself (from the project's issues, not the paper).</summary>
    public static readonly IReadOnlyList<Claim> Checks =
    [
        new("c-twin",
            "Fig 1 in C# costs at most 10% more than its C twin at every point",
            "issue 12",
            "every C#/C ratio row of fig1-shared-state at most 1.10 (a median over it counts as a miss where its interval lies wholly above it (the 95% CI of the median of the blocks' ratios; for a point of one or two blocks, marked †, the wider range its two medians' CIs allow), or where the row gives no CI although it has the samples for one; otherwise the run cannot decide; "
            + "nor where a planned point has no rows, e.g. its C run failed, or its ratio row failed verification)",
            run => AtEveryPoint(CTwin(run), run, name => name == ExperimentCatalog.Fig1)),
        new("urpc-vs-native",
            "A URPC round trip in C# costs at most 5% more than the same protocol in C, on any pair of cores",
            "issue 12",
            "every rtt_ratio row (C#/native) of the urpc-vs-native folders at most 1.05 (a median over it counts as a miss where its 95% CI lies wholly above it, or where the row gives no CI, as urpc-vs-native writes its rows; otherwise the run cannot decide; "
            + "nor where a folder's planned measurement has no rows)",
            run => AtEveryPoint(UrpcVsNative(run), run, name => name.StartsWith("urpc-vs-native", StringComparison.Ordinal))),
    ];

    // ---------------------------------------------------------------------------------------------------------

    /// <summary>
    /// A claim "at every point" holds only where every planned point was measured: where an experiment it reads is
    /// incomplete (its meta.json lists points without rows: a failed or interrupted point), a verdict of holds becomes
    /// not testable, naming them. A miss stays a miss.
    /// </summary>
    static ClaimResult AtEveryPoint(ClaimResult r, RunFolder run, Func<string, bool> reads)
    {
        if (r.Verdict != Verdict.Holds) return r;
        var missing = run.Experiments.Where(e => reads(e.Name) && e.IsIncomplete)
            .Select(e => e.Meta.Incomplete.Count > 0 ? $"{e.Name}: {string.Join(", ", e.Meta.Incomplete)}" : $"{e.Name}: incomplete ({string.Join("; ", e.Meta.Notes.TakeLast(1))})")
            .ToList();
        return missing.Count == 0 ? r : ClaimResult.NotTestable(
            $"every point measured is within the limit, but planned points have no rows ({string.Join("; ", missing)}), so 'at every point' cannot be decided", r.Numbers);
    }

    /// <summary>The measured rows of a folder, or the reason there are none.</summary>
    static RowSet? Rows(RunFolder run, string folder, out string reason)
    {
        var e = run.Find(folder);
        if (e is null)
        {
            reason = $"{folder} is not in this run";
            return null;
        }
        reason = "";
        return new RowSet(e.Rows);
    }

    /// <summary>Why a run has no measured rows of <paramref name="series"/>: their skip reason or failure, if they are there.</summary>
    static string Missing(RunFolder run, string folder, Func<ResultRow, bool> which, string what)
    {
        var rows = run.Find(folder)?.Rows.Where(which).ToList() ?? [];
        var skipped = rows.FirstOrDefault(r => RowStatus.Of(r) == RowKind.Skipped);
        if (skipped is not null) return $"{what}: skipped ({RowStatus.Reason(skipped)})";
        if (rows.Any(r => RowStatus.Of(r) == RowKind.Failed)) return $"{what}: failed verification";
        return $"{what}: no rows in {folder}";
    }

    static int CoresOf(RunFolder run, string folder) => run.Find(folder)?.Rows.Select(r => r.Cores).DefaultIfEmpty(0).Max() ?? 0;

    static ClaimResult MsgBeatsShm(RunFolder run)
    {
        const string m = "cycles_per_update";
        if (Rows(run, ExperimentCatalog.Fig1, out var why) is not { } s) return ClaimResult.NotMeasured(why);
        var shm = s.Curve("SHM8", m);
        var msg = s.Curve("MSG8", m);
        if (shm.Count == 0) return ClaimResult.NotMeasured(Missing(run, ExperimentCatalog.Fig1, r => r.Series == "SHM8", "SHM8"));
        if (msg.Count == 0)
            return CoresOf(run, ExperimentCatalog.Fig1) < 2
                ? ClaimResult.NotTestable("message passing needs a server core and a client core; this run used 1 core")
                : ClaimResult.NotMeasured(Missing(run, ExperimentCatalog.Fig1, r => r.Series == "MSG8", "MSG8"));
        var common = msg.Where(p => shm.Any(q => q.Cores == p.Cores)).ToList();
        if (common.Count == 0) return ClaimResult.NotMeasured("SHM8 and MSG8 have no core count in common");
        var last = common[^1];
        var shmLast = shm.First(q => q.Cores == last.Cores);
        var below = common.Where(p => p.Median < shm.First(q => q.Cores == p.Cores).Median).Select(p => p.Cores).ToList();
        string numbers = $"at {FigureReadings.Cores(last.Cores)} MSG8 {N(last.Median)} vs SHM8 {N(shmLast.Median)} cycles per update; MSG8 below SHM8 at "
            + (below.Count == 0 ? "no core count" : CoreCounts(below))
            + (common.Count < 3 ? $" (only {CoreCounts(common.Select(p => p.Cores))} measured)" : "");
        if (Crossover.From(msg, shm) is { } from)
        {
            string held = $"{CrossoverText(from, common.Select(p => p.Cores))}; {numbers}";
            // The rule's core count is the largest measured: where one curve has no point there (it failed, was skipped or
            // was cut off), the largest both have is not it, and the missing point could show MSG8 above SHM8.
            int largest = Math.Max(shm[^1].Cores, msg[^1].Cores);
            if (largest == last.Cores) return ClaimResult.Holds(held);
            string lacking = shm[^1].Cores < largest ? "SHM8" : "MSG8";
            return ClaimResult.NotTestable($"{lacking} has no measured point at {FigureReadings.Cores(largest)}, the largest core count measured "
                + $"({Missing(run, ExperimentCatalog.Fig1, r => r.Series == lacking && r.Metric == m && r.Cores == largest, lacking)}), "
                + "where the rule judges the claim", held);
        }
        string notBelow = below.Count == 0 ? $"MSG8 is not below SHM8 up to the {FigureReadings.Cores(last.Cores)} measured"
            : $"MSG8 is below SHM8 at {CoreCounts(below)} but not at the {FigureReadings.Cores(last.Cores)} measured, the most";
        return NeverWon(last.Cores, PaperScale.SharedStateCores, $"{notBelow}, but the paper states the contrast at "
            + $"{PaperScale.SharedStateCores} cores (SHM8: {PaperScale.SharedStateStatement}): too few cores here to refute \"once enough cores take part\"", numbers);
    }

    /// <summary>
    /// "crossover at k cores" where the curve was above the other below k; where it is below from the smallest core
    /// count both were measured at, the run saw no crossover, and the text says where it was below instead.
    /// </summary>
    static string CrossoverText(int from, IEnumerable<int> commonCores)
    {
        var common = commonCores.Order().ToList();
        return from > common[0] ? $"crossover at {FigureReadings.Cores(from)}"
            : $"below at every core count both were measured at ({CoreCounts(common)}): no crossover within this run";
    }

    /// <summary>
    /// A claim about scale that this run never saw hold: it does not hold from the paper's own scale for it on
    /// (<see cref="PaperScale"/>); below that it is not testable, for the reason given.
    /// </summary>
    static ClaimResult NeverWon(int measuredUpTo, int paperScale, string belowScale, string numbers) =>
        measuredUpTo < paperScale ? ClaimResult.NotTestable(belowScale, numbers) : ClaimResult.DoesNotHold(numbers);

    static ClaimResult ServerFlat(RunFolder run)
    {
        const string m = "cycles_per_update";
        if (Rows(run, ExperimentCatalog.Fig1, out var why) is not { } s) return ClaimResult.NotMeasured(why);
        string series = s.Has("Server8", m) ? "Server8" : "Server";
        var server = s.Curve(series, m);
        if (server.Count == 0)
            return CoresOf(run, ExperimentCatalog.Fig1) < 2
                ? ClaimResult.NotTestable("the server needs a core of its own and a client core; this run used 1 core")
                : ClaimResult.NotMeasured(Missing(run, ExperimentCatalog.Fig1, r => r.Series.StartsWith("Server", StringComparison.Ordinal), "Server8"));
        // Client counts whose point was measured but has no usable median (failed verification, or no value): the rule's
        // range cannot include them, so a range within the limit does not show the cost flat there; a range over it stays a miss.
        var unusable = run.Find(ExperimentCatalog.Fig1)!.Rows
            .Where(r => r.Series == series && r.Metric == m && RowStatus.Of(r) is RowKind.Failed or RowKind.NoValue && server.All(p => p.Cores != r.Cores))
            .GroupBy(r => r.Cores).OrderBy(g => g.Key)
            .Select(g => $"{Clients(g.First())} ({(RowStatus.Of(g.First()) == RowKind.Failed ? "failed verification" : "no value")})").ToList();
        string notCounted = unusable.Count == 0 ? "" : $"; {series} points not counted: {string.Join(", ", unusable)}";
        if (server.Count < 2)
            return ClaimResult.NotTestable($"needs at least two client counts (3 cores or more); this run measured the server only at {FigureReadings.Cores(server[0].Cores)}"
                + (unusable.Count == 0 ? "" : $" (no usable point with {string.Join(", ", unusable)})"),
                $"{series}: {N(server[0].Median)} cycles per update with {Clients(server[0])}");
        var lo = server.MinBy(r => r.Median)!;
        var hi = server.MaxBy(r => r.Median)!;
        double ratio = hi.Median / lo.Median;
        string numbers = $"{series}: {N(server[0].Median)} cycles per update with {Clients(server[0])}, {N(server[^1].Median)} with {Clients(server[^1])}; "
            + $"range {N(lo.Median)} ({Clients(lo)}) to {N(hi.Median)} ({Clients(hi)}), {ratio:0.00}x" + notCounted;
        if (ratio > 1.25) return ClaimResult.DoesNotHold(numbers);
        return unusable.Count == 0 ? ClaimResult.Holds(numbers)
            : ClaimResult.NotTestable($"the client counts measured are within 1.25x, but {series} has no usable point with {string.Join(", ", unusable)}, so whether the cost stays flat there cannot be decided", numbers);
    }

    static string Clients(ResultRow r) => r.Cores - 1 == 1 ? "1 client" : $"{r.Cores - 1} clients";

    static ClaimResult NumaMulticastFastest(RunFolder run)
    {
        if (Rows(run, ExperimentCatalog.Fig3Tlb, out var why) is not { } s) return ClaimResult.NotMeasured(why);
        var rows = FigureReadings.Preferred(s.Where(r => ExperimentCatalog.Protocols.Contains(r.Series) && r.Unit == "cycles"));
        if (rows.IsEmpty)
            return CoresOf(run, ExperimentCatalog.Fig3Tlb) < 2
                ? ClaimResult.NotTestable("a shootdown needs a core besides the initiator; this run used 1 core")
                : ClaimResult.NotMeasured(Missing(run, ExperimentCatalog.Fig3Tlb, r => ExperimentCatalog.Protocols.Contains(r.Series), "the protocol series"));
        // Fastest among all four protocols: judged at the largest core count where every one of them has a point, so a
        // protocol whose point failed or did not run cannot leave NUMA-aware multicast fastest by being alone.
        int largest = rows.Rows.Max(r => r.Cores);
        var complete = rows.Rows.GroupBy(r => r.Cores)
            .Where(g => ExperimentCatalog.Protocols.All(p => g.Any(r => r.Series == p))).Select(g => g.Key).ToList();
        var meta = run.Find(ExperimentCatalog.Fig3Tlb)!.Meta;
        string? oneGroup = meta.Packages <= 1 && meta.NumaNodes <= 1
            ? $"this machine has one package and one NUMA node ({meta.CpuModel}), so the multicast trees have a single group and NUMA-aware multicast does the same as multicast"
            : null;
        if (complete.Count == 0)
        {
            string partial = $"at {FigureReadings.Cores(largest)}: " + string.Join(", ", rows.Rows.Where(r => r.Cores == largest).Select(r => $"{r.Series} {N(r.Median)}")) + " cycles";
            return oneGroup != null ? ClaimResult.NotTestable(oneGroup, partial) : ClaimResult.NotMeasured($"no core count with all four protocols measured ({partial})");
        }
        int k = complete.Max();
        var at = rows.Rows.Where(r => r.Cores == k).OrderBy(r => r.Median).ToList();
        var numa = at.First(r => r.Series == "NUMA-aware multicast");
        string numbers = $"at {FigureReadings.Cores(k)}: " + string.Join(", ", at.Select(r => $"{r.Series} {N(r.Median)}")) + " cycles";
        if (k < largest)
        {
            var missing = ExperimentCatalog.Protocols.Where(p => !rows.Rows.Any(r => r.Cores == largest && r.Series == p));
            numbers += $" (the largest core count with all four protocols; {string.Join(", ", missing)} not measured at {FigureReadings.Cores(largest)})";
        }
        if (oneGroup != null) return ClaimResult.NotTestable(oneGroup, numbers);
        var best = at[0];
        // "The lowest" includes a tie at the bottom: equal medians sort in file order, so the other protocol may come first.
        if (best == numa || numa.Median <= best.Median) return ClaimResult.Holds(numbers);
        // The rule's tie: NUMA-aware multicast's median within the fastest protocol's 95% CI (not the two CIs overlapping).
        // A fastest row with too few samples for a 95% CI cannot show that the median is outside it.
        if (!double.IsFinite(best.CiHigh) && best.Samples < SampleSummary.MinCountForCi)
            return ClaimResult.NotTestable($"{best.Series} has the lowest median but too few samples for a 95% CI ({best.Samples}; {SampleSummary.MinCountForCi} needed), "
                + "so whether NUMA-aware multicast's median is within it, the rule's tie, cannot be told (more repetitions can)", numbers);
        bool tied = double.IsFinite(best.CiHigh) && numa.Median <= best.CiHigh;
        return tied ? ClaimResult.Holds($"{numbers}; tied with {best.Series} within the 95% CI of {best.Series}") : ClaimResult.DoesNotHold(numbers);
    }

    static ClaimResult UnmapBeatsLinux(RunFolder run)
    {
        if (Rows(run, ExperimentCatalog.Fig3Tlb, out var why) is not { } s) return ClaimResult.NotMeasured(why);
        var (mk, linux, mmu) = FigureReadings.UnmapCurves(s);
        if (mk.Count == 0 || linux.Count == 0)
            return ClaimResult.NotMeasured(Missing(run, ExperimentCatalog.Fig3Tlb,
                r => r.Series is ExperimentCatalog.MkUnmap or ExperimentCatalog.LinuxMprotect, "multikernel unmap or Linux mprotect"));
        var common = mk.Where(p => linux.Any(q => q.Cores == p.Cores)).ToList();
        if (common.Count == 0)
            return ClaimResult.NotMeasured($"the multikernel unmap ({CoreCounts(mk.Select(p => p.Cores))}) and Linux mprotect ({CoreCounts(linux.Select(p => p.Cores))}) have no core count in common");
        // Judged at the largest core count both curves have: a multikernel point beyond Linux's compares nothing.
        var last = common[^1];
        var linuxLast = linux.First(r => r.Cores == last.Cores);
        var from = Crossover.From(mk, linux);
        string numbers = $"at {FigureReadings.Cores(last.Cores)} multikernel {N(last.Median)} vs Linux mprotect {N(linuxLast.Median)} cycles; "
            + (Crossover.FirstFasterText(mk, linux) is { } faster ? $"multikernel {faster}" : "multikernel not faster at any core count")
            + $"; MMU: {mmu}";
        // The multikernel's own unmap rows must carry the real page tables (UnmapCurves prefers them where there are
        // any): hardware rows of other series (the Fig 6 protocols) say nothing about the unmap being compared.
        if (!mk.All(r => ParamText.Parse(r.Param).TryGetValue("mmu", out var v) && v.Equals("hardware", StringComparison.OrdinalIgnoreCase)))
            return ClaimResult.NotTestable("the multikernel's MMU in this run is modelled (software TLB: no page-table change or TLB flush in hardware), "
                + "so it is not like for like with Linux's real mprotect; the crossover with real page tables needs mmu=hardware rows", numbers);
        var ipis = s.Rows.FirstOrDefault(r => r.Series == ExperimentCatalog.LinuxMprotect && r.Metric == ShootdownInterruptMetrics.PerCall && r.Cores == last.Cores);
        if (ipis is not null && last.Cores >= 2)
        {
            numbers += string.Create(CultureInfo.InvariantCulture, $"; Linux's other cores received {ipis.Median:0.00} TLB-shootdown interrupts per mprotect at {FigureReadings.Cores(last.Cores)}");
            if (ipis.Median < ShootdownInterruptMetrics.MinByIpi)
                return ClaimResult.NotTestable(string.Create(CultureInfo.InvariantCulture,
                    $"Linux's mprotect at {FigureReadings.Cores(last.Cores)} did not shoot the other cores' TLBs down by IPI ({ipis.Median:0.00} interrupts per call; a hypervisor's paravirtual flush can spare them), so the run does not compare the multikernel's messages with Linux's IPIs, which is the paper's comparison"), numbers);
        }
        else if (last.Cores >= 2)
            numbers += $"; Linux's TLB-shootdown interrupts were not counted at {FigureReadings.Cores(last.Cores)} (no {ShootdownInterruptMetrics.PerCall} row: an older run, or no TLB line in /proc/interrupts), so whether its mprotect shot the other cores' TLBs down by IPI is unknown";
        if (from is not null) return ClaimResult.Holds($"{CrossoverText(from.Value, common.Select(p => p.Cores))}; {numbers}");
        var fasterAt = common.Where(p => p.Median < linux.First(q => q.Cores == p.Cores).Median).Select(p => p.Cores).ToList();
        string notFaster = fasterAt.Count == 0 ? $"the multikernel is not faster up to the {FigureReadings.Cores(last.Cores)} measured"
            : $"the multikernel is faster at {CoreCounts(fasterAt)} but not at the {FigureReadings.Cores(last.Cores)} measured, the most";
        return NeverWon(last.Cores, PaperScale.UnmapCrossoverCores, $"{notFaster}, but the paper's own curves cross only at about "
            + $"{PaperScale.UnmapCrossoverCores} cores ({PaperScale.UnmapReadings}): too few cores here to refute \"from some number of cores on\"", numbers);
    }

    static ClaimResult ComputeOnPar(RunFolder run)
    {
        if (Rows(run, ExperimentCatalog.Compute, out var why) is not { } s) return ClaimResult.NotMeasured(why);
        var time = s.Where(r => r.Metric == "seconds");
        var worst = new List<(string Bench, int Cores, double Ratio, ResultRow Mk, ResultRow Host, ResultRow? Paired)>();
        // A point is one input (the rows' Param: every runtime of a sweep writes its input's) at one core count: mk is
        // compared only with host runtimes that ran the same input. Where a run holds several inputs of a benchmark
        // (counting the rows of every status, so that a failed input counts too), a point's label names its input, in
        // the measured points and the failed ones alike.
        var allTimes = run.Find(ExperimentCatalog.Compute)!.Rows.Where(r => r.Metric == "seconds").ToList();
        var severalInputs = allTimes.GroupBy(ComputeBenchmarks.KeyOf).Where(g => g.Select(r => r.Param).Distinct().Count() > 1).Select(g => g.Key).ToHashSet();
        string Label(ResultRow r) => severalInputs.Contains(ComputeBenchmarks.KeyOf(r)) ? $"{ComputeBenchmarks.KeyOf(r)} {ComputeBenchmarks.InputOf(r) ?? r.Param}" : ComputeBenchmarks.KeyOf(r);
        foreach (var bench in time.Rows.GroupBy(ComputeBenchmarks.KeyOf))
        {
            foreach (var point in bench.GroupBy(r => (r.Cores, r.Param)))
            {
                var mk = point.FirstOrDefault(r => SeriesName.Member(r.Series) == ComputeBenchmarks.Multikernel);
                var host = point.Where(r => ComputeBenchmarks.HostRuntimes.Contains(SeriesName.Member(r.Series))).MinBy(r => r.Median);
                if (mk is null || host is null || host.Median <= 0) continue;
                var paired = ComputeBenchmarks.PairedRow(s, mk, SeriesName.Member(host.Series));
                worst.Add((Label(mk), point.Key.Cores, paired?.Median ?? mk.Median / host.Median, mk, host, paired));
            }
        }
        if (worst.Count == 0)
        {
            // A side that has no row at all, of any status, was left out of the run (--runtime); else Missing says why.
            bool mkRan = allTimes.Any(r => SeriesName.Member(r.Series) == ComputeBenchmarks.Multikernel);
            bool hostRan = allTimes.Any(r => ComputeBenchmarks.HostRuntimes.Contains(SeriesName.Member(r.Series)));
            if (allTimes.Count > 0 && !(mkRan && hostRan))
                return ClaimResult.NotMeasured("mk and host times at the same core count: " + (mkRan
                    ? "none of the host runtimes (host, pinned, host-spin) is in this run (the compute program's --runtime left them out)"
                    : "mk is not in this run (the compute program's --runtime left it out)"));
            return ClaimResult.NotMeasured(Missing(run, ExperimentCatalog.Compute, r => r.Metric == "seconds", "mk and host times at the same core count"));
        }
        var perBench = worst.GroupBy(w => w.Bench).Select(g => g.MaxBy(w => w.Ratio)).ToList();
        var top = worst.MaxBy(w => w.Ratio);
        string numbers = "worst mk / best host per benchmark: " + string.Join(", ", perBench.Select(w => $"{w.Bench} {w.Ratio:0.00} ({FigureReadings.Cores(w.Cores)})"))
            + $"; worst {top.Bench} at {FigureReadings.Cores(top.Cores)}: mk {N(top.Mk.Median)} s {Ci(top.Mk)} vs {SeriesName.Member(top.Host.Series)} {N(top.Host.Median)} s {Ci(top.Host)}"
            + (top.Paired is { } p ? $", paired per repetition {p.Median:0.000} {Ci(p)} over {p.Samples} repetitions" : "");
        int unpaired = worst.Count(w => w.Paired is null);
        if (unpaired > 0)
            numbers += unpaired == worst.Count
                ? (s.Rows.Any(r => r.Metric == ComputeBenchmarks.TimeRatio)
                    ? "; no paired row over the best host runtime at any point: each ratio is of the two medians"
                    : "; no paired rows (an older sweep): each ratio is of the two medians")
                : $"; {unpaired} of {worst.Count} points without paired rows: their ratios are of the two medians";
        // A point where mk or a host runtime failed verification has no comparison (mk's time is not a timing; without
        // a host runtime's time the best host's may be too slow), yet the sweep records it, so meta.json lists it as done.
        var failedAt = allTimes
            .Where(r => RowStatus.Of(r) == RowKind.Failed
                        && (SeriesName.Member(r.Series) == ComputeBenchmarks.Multikernel || ComputeBenchmarks.HostRuntimes.Contains(SeriesName.Member(r.Series))))
            .GroupBy(r => (Bench: Label(r), r.Cores)).OrderBy(g => g.Key.Bench, StringComparer.Ordinal).ThenBy(g => g.Key.Cores)
            .Select(g => $"{g.Key.Bench} {FigureReadings.Cores(g.Key.Cores)} ({string.Join(", ", g.Select(r => SeriesName.Member(r.Series)).Distinct())} failed verification)")
            .ToList();
        if (failedAt.Count > 0) numbers += $"; {failedAt.Count} point(s) with a failed runtime are not counted";
        // Each point's ratio is the paired row's (mk over the best host runtime, repetition by repetition, with its own
        // 95% CI) where the sweep wrote one; else the two medians' with an interval from the two CIs (mk low / host high,
        // mk high / host low; none where either row has none). A median over the margin is a miss only if the interval
        // says so, since the best of three host runtimes' medians is biased low by their noise and the worst of many
        // points biased high, so equal runtimes miss a 5% margin by chance when the intervals are wider than it.
        var verdict = RatioLimit(worst.Select(w => w.Paired is { } p
            ? new RatioPoint($"{w.Bench} {FigureReadings.Cores(w.Cores)}", p)
            : new RatioPoint($"{w.Bench} {FigureReadings.Cores(w.Cores)}", w.Ratio,
                w.Mk.CiLow / w.Host.CiHigh, w.Mk.CiHigh / w.Host.CiLow, Math.Min(w.Mk.Samples, w.Host.Samples), FromTwoCis: true)).ToList(), OnParFactor, numbers);
        // "At every core count of every benchmark" against the best of the three host runtimes: a miss stays a miss, but
        // a hold needs every point compared, and with every host runtime (one that did not run may be the fastest).
        if (verdict.Verdict != Verdict.Holds) return verdict;
        var notRun = ComputeBenchmarks.HostRuntimes.Where(h => !run.Find(ExperimentCatalog.Compute)!.Rows.Any(r => SeriesName.Member(r.Series) == h)).ToList();
        if (notRun.Count > 0)
            return ClaimResult.NotTestable($"mk is within {OnParFactor:0.00} x the best host runtime that ran at every point, but {string.Join(", ", notRun)} "
                + (notRun.Count == 1 ? "is not in this run (the compute program's --runtime left it out)" : "are not in this run (the compute program's --runtime left them out)")
                + ", and the rule's best host runtime is the best of host, pinned and host-spin", numbers);
        return failedAt.Count > 0
            ? ClaimResult.NotTestable($"mk is within {OnParFactor:0.00} x the best host runtime at every point compared, but not every point could be compared: "
                + $"{string.Join("; ", failedAt)}", numbers)
            : verdict;

        static string Ci(ResultRow r) => double.IsFinite(r.CiLow) && double.IsFinite(r.CiHigh) ? $"[{N(r.CiLow)}, {N(r.CiHigh)}]" : "(no CI)";
    }

    /// <summary>The compute claim's margin: mk at most 5% slower than the best host runtime.</summary>
    const double OnParFactor = 1.05;

    static ClaimResult WebStatic(RunFolder run) => MkAgainst(run, "web static", "requests_per_s", "requests/s", "lighttpd", 1.0);

    static ClaimResult UdpEcho(RunFolder run) => MkAgainst(run, "UDP echo", "packets_per_s", "packets/s", "host", 0.9);

    /// <summary>An IO workload: the multikernel's rate holds the claim when it is at least <paramref name="factor"/> x the baseline's.</summary>
    static ClaimResult MkAgainst(RunFolder run, string workload, string metric, string unit, string baseline, double factor)
    {
        if (Rows(run, ExperimentCatalog.IoWebserver, out var why) is not { } s) return ClaimResult.NotMeasured(why);
        var mk = FigureReadings.MkRow(s, workload, metric);
        if (mk is null) return ClaimResult.NotMeasured(Missing(run, ExperimentCatalog.IoWebserver, r => r.Series == $"{workload}/mk", $"{workload}/mk"));
        var other = FigureReadings.BaselineRow(s, workload, baseline, metric, mk);
        if (other is null)
        {
            bool onAnotherWire = s.Rows.Any(r => r.Series == $"{workload}/{baseline}" && r.Metric == metric);
            return onAnotherWire
                ? ClaimResult.NotTestable($"{workload}/{baseline} crossed another wire than {workload}/mk ({mk.Param}), so the two rates are not like for like",
                    $"mk {N(mk.Median)} {unit}")
                : ClaimResult.NotMeasured(Missing(run, ExperimentCatalog.IoWebserver, r => r.Series == $"{workload}/{baseline}", $"{workload}/{baseline}"));
        }
        if (!FigureReadings.IsUserStack(mk))
            return ClaimResult.NotTestable($"the multikernel's own user-level network stack (stack=user) has no {metric} row in this run; its stack=kernel "
                + "series runs over Linux's sockets, which is not the design the claim is about",
                $"mk (stack=kernel) {N(mk.Median)} vs {baseline} {N(other.Median)} {unit} ({mk.Median / other.Median:0.00}x)");
        string load = LoadNote(mk);
        double mkLoad = LoadBusy(s, mk), otherLoad = LoadBusy(s, other);
        string busy = double.IsFinite(mkLoad) && double.IsFinite(otherLoad)
            ? $"; load generator's cores {mkLoad:0}% busy against mk, {otherLoad:0}% against {baseline}" : "";
        string numbers = $"mk {N(mk.Median)} vs {baseline} {N(other.Median)} {unit} ({mk.Median / other.Median:0.00}x)" + load + busy;
        if (load.Length > 0)
            return ClaimResult.NotTestable("the load generator shares the server's cores in this run (the paper's load came from other machines), "
                + "so the rates measure how each server shares its cores with the load, not the servers alone; it needs a core for the load beside the server's", numbers);
        // A saturated load generator was the limit of its run: the rate it measured is a lower bound of the server's.
        // mk reaching the bar set by a baseline's lower bound says nothing of the baseline's own rate; mk short of it
        // (with its own rate, load to spare) is short of the bar the baseline's own rate sets too. mk's rate may be a
        // lower bound where it reaches the claim.
        if (mk.Median >= factor * other.Median)
            return otherLoad >= CoreBusyMetrics.SaturatedPercent
                ? ClaimResult.NotTestable($"the load generator's cores were {otherLoad:0}% busy while it loaded {baseline}, so {baseline}'s rate is the "
                    + "load generator's limit, a lower bound of the server's, and mk reaching it does not show mk reaching the server's own; it needs more cores for the load", numbers)
                : ClaimResult.Holds(numbers + BusyUnknown(otherLoad, baseline, busy));
        if (mkLoad >= CoreBusyMetrics.SaturatedPercent)
            return ClaimResult.NotTestable($"the load generator's cores were {mkLoad:0}% busy while it loaded the multikernel, so its rate is the "
                + "load generator's limit, a lower bound of the server's; it needs more cores for the load", numbers);
        return ClaimResult.DoesNotHold(numbers + BusyUnknown(mkLoad, "mk", busy));
    }

    /// <summary>
    /// The words a verdict needs where the load generator's busy time for the server it turns on (<paramref name="server"/>)
    /// was not recorded: whether that rate was the generator's limit is then unknown. The other side's busy time, where
    /// known, is given too (<paramref name="both"/> is empty when either is missing).
    /// </summary>
    static string BusyUnknown(double load, string server, string both) =>
        double.IsFinite(load) || both.Length > 0 ? ""
            : $"; the load generator's busy time against {server} was not recorded (no {CoreBusyMetrics.Load} row: an older run), so whether it limited {server}'s rate is unknown";

    /// <summary>How busy the load generator's cores were in <paramref name="series"/>'s timed runs (median, %), NaN where the run did not record it.</summary>
    static double LoadBusy(RowSet s, ResultRow series) =>
        s.Rows.FirstOrDefault(r => r.Series == series.Series && r.Param == series.Param && r.Cores == series.Cores && r.Metric == CoreBusyMetrics.Load)?.Median ?? double.NaN;

    /// <summary>Where the load generator ran, from the row's note, when it shared the server's cores (that costs the server).</summary>
    static string LoadNote(ResultRow r)
    {
        int i = r.Note.IndexOf("load generator", StringComparison.OrdinalIgnoreCase);
        if (i < 0) return "";
        string rest = r.Note[i..];
        if (rest.Contains("not used by the server", StringComparison.OrdinalIgnoreCase)) return "";
        int depth = 0, end = rest.Length;
        for (int k = 0; k < rest.Length; k++)
        {
            char c = rest[k];
            if (c == '(') depth++;
            else if (c == ')') depth = Math.Max(0, depth - 1);
            else if (depth == 0 && c is ';' or ':' or '"') { end = k; break; }
        }
        return $"; {rest[..end].Trim()}";
    }

    static ClaimResult CTwin(RunFolder run)
    {
        if (Rows(run, ExperimentCatalog.Fig1, out var why) is not { } s) return ClaimResult.NotMeasured(why);
        static bool IsRatio(ResultRow r) => r.Metric.Contains("ratio", StringComparison.OrdinalIgnoreCase) || r.Unit is "x" or "ratio";
        var ratios = s.Where(IsRatio).Rows;
        // A ratio row whose C# or C run failed verification is a finished point to meta.json but no measurement.
        var failed = run.Find(ExperimentCatalog.Fig1)!.Rows.Where(r => IsRatio(r) && RowStatus.Of(r) == RowKind.Failed)
            .Select(r => $"{r.Series} at {FigureReadings.Cores(r.Cores)} (failed verification)").ToList();
        if (ratios.Count == 0)
            return ClaimResult.NotMeasured(failed.Count > 0
                ? $"every C#/C ratio row of fig1-shared-state failed verification: {string.Join(", ", failed)}"
                : "fig1-shared-state has no C#/C ratio rows (the C twin did not run)");
        var worst = ratios.MaxBy(r => r.Median)!;
        string numbers = $"{ratios.Count} points, worst {worst.Series} at {FigureReadings.Cores(worst.Cores)}: {worst.Median:0.00}";
        var verdict = RatioLimit(ratios.Select(r => new RatioPoint($"{r.Series} at {FigureReadings.Cores(r.Cores)}", r)).ToList(), 1.10, numbers);
        // "At every point": a miss stays a miss, but a hold needs every point compared.
        return verdict.Verdict != Verdict.Holds || failed.Count == 0 ? verdict : ClaimResult.NotTestable(
            $"every C#/C ratio measured is within 1.10, but not every point could be compared: {string.Join(", ", failed)}", numbers);
    }

    /// <summary>One ratio a target bounds: its median and interval (NaN where the run gave none), and the samples behind it
    /// (the smaller side's, for a ratio of two rows). <see cref="FromTwoCis"/>: the interval is the range the two medians'
    /// 95% CIs allow (<see cref="RatioInterval"/>), not a 95% CI of the ratio, and every verdict text names it so.</summary>
    readonly record struct RatioPoint(string Label, double Median, double CiLow, double CiHigh, int Samples, bool FromTwoCis)
    {
        public RatioPoint(string label, ResultRow row) : this(label, row.Median, row.CiLow, row.CiHigh, row.Samples, RatioInterval.IsBound(row)) { }
        public bool HasCi => double.IsFinite(CiLow) && double.IsFinite(CiHigh);
        /// <summary>No CI because the sample is too small for a 95% one, not because its writer gave none.</summary>
        public bool TooFewForCi => !double.IsFinite(CiLow) && Samples < SampleSummary.MinCountForCi;
        public string Text(string format) => HasCi
            ? $"{Label} ({Median.ToString(format)} [{CiLow.ToString(format)}, {CiHigh.ToString(format)}])"
            : TooFewForCi ? $"{Label} ({Median.ToString(format)}, no CI: {Samples} {(Samples == 1 ? "sample" : "samples")})" : $"{Label} ({Median.ToString(format)}, no CI)";
    }

    /// <summary>
    /// A target "every ratio at most <paramref name="limit"/>": holds when every median is within it; does not hold where
    /// a ratio's interval (its 95% CI, or the range its two medians' 95% CIs allow) lies wholly above it; otherwise
    /// (medians over the limit, intervals reaching it) the run cannot decide.
    /// A ratio without a CI counts by its median where its writer gave none; where its sample is too small for a 95% CI
    /// (<see cref="SampleSummary.MinCountForCi"/>), nothing shows it over the limit, so the run cannot decide.
    /// </summary>
    static ClaimResult RatioLimit(IReadOnlyList<RatioPoint> points, double limit, string numbers)
    {
        var over = points.Where(p => p.Median > limit).ToList();
        if (over.Count == 0) return ClaimResult.Holds(numbers);
        var clear = over.Where(p => !p.TooFewForCi && (double.IsFinite(p.CiLow) ? p.CiLow : p.Median) > limit).ToList();
        if (clear.Count > 0)
        {
            var byCi = clear.Where(p => p.HasCi && !p.FromTwoCis).ToList();
            var byTwoCis = clear.Where(p => p.HasCi && p.FromTwoCis).ToList();
            var byMedian = clear.Where(p => !p.HasCi).ToList();
            var parts = new List<string>();
            if (byCi.Count > 0) parts.Add($"over {limit:0.00} beyond the 95% CI: {string.Join(", ", byCi.Select(p => p.Text("0.00")))}");
            if (byTwoCis.Count > 0) parts.Add($"over {limit:0.00} beyond the range the two medians' 95% CIs allow: {string.Join(", ", byTwoCis.Select(p => p.Text("0.00")))}");
            if (byMedian.Count > 0) parts.Add($"over {limit:0.00} by the median, the row giving no CI: {string.Join(", ", byMedian.Select(p => p.Text("0.00")))}");
            return ClaimResult.DoesNotHold($"{numbers}; {string.Join("; ", parts)}");
        }
        // Each over the limit here has an interval that reaches it, or too few samples for one.
        bool anyCi = over.Any(p => p.HasCi && !p.FromTwoCis), anyTwoCis = over.Any(p => p.HasCi && p.FromTwoCis);
        string interval = (anyCi, anyTwoCis) switch
        {
            (true, true) => "95% CI, or range the two medians' 95% CIs allow,",
            (false, true) => "range the two medians' 95% CIs allow",
            _ => "95% CI",
        };
        return ClaimResult.NotTestable(
            $"the median is over {limit:0.00} at {string.Join(", ", over.Select(p => p.Text("0.000")))}, "
            + (over.Any(p => p.TooFewForCi) ? $"but each {interval} reaches {limit:0.00} or has too few samples for a 95% CI ({SampleSummary.MinCountForCi} needed)" : $"but each {interval} reaches {limit:0.00}")
            + ": this run's precision cannot decide it (more repetitions, or a quieter machine, can)", numbers);
    }

    /// <summary>
    /// Every pair's C#/C round-trip ratio at most 1.05. Where the folder also ran the C reference built with other loop
    /// alignments (<c>--layouts</c>: <c>rtt_ratio_layout</c> rows), each pair is judged against all its builds: within
    /// 1.05 of the fastest build holds, over 1.05 of the slowest does not, and in between the C round trip's own
    /// layout luck is larger than the claim's margin, so the run cannot decide.
    /// </summary>
    static ClaimResult UrpcVsNative(RunFolder run)
    {
        const double Limit = 1.05;
        var folders = run.Experiments.Where(e => e.Name.StartsWith("urpc-vs-native", StringComparison.Ordinal)).ToList();
        string PairOf(ExperimentResult e, ResultRow r) => ParamText.Parse(r.Param).GetValueOrDefault("cores", e.Name);
        var ratios = folders.SelectMany(e => new RowSet(e.Rows).Rows.Where(r => r.Metric == "rtt_ratio").Select(r => new RatioPoint(PairOf(e, r), r))).ToList();
        if (ratios.Count == 0) return ClaimResult.NotMeasured("no urpc-vs-native folder with an rtt_ratio row in this run");
        string numbers = string.Join(", ", ratios.Select(p => $"{p.Label}: {p.Median:0.00}"));
        var layouts = folders.SelectMany(e => new RowSet(e.Rows).Rows.Where(r => r.Metric == "rtt_ratio_layout")
            .Select(r => (Label: PairOf(e, r), Align: ParamText.Parse(r.Param).GetValueOrDefault("align_loops", "?"), r.Median))).ToList();
        if (layouts.Count == 0) return RatioLimit(ratios, Limit, numbers);

        numbers += "; against the C reference built with other loop alignments: "
                   + string.Join(", ", layouts.Select(l => $"{l.Label} -falign-loops={l.Align}: {l.Median:0.00}"));
        var bands = ratios.Select(p => (p.Label, All: layouts.Where(l => l.Label == p.Label).Select(l => l.Median).Prepend(p.Median).ToList())).ToList();
        string Band((string Label, List<double> All) b) => $"{b.Label} ({b.All.Min():0.00}..{b.All.Max():0.00})";
        var over = bands.Where(b => b.All.Min() > Limit).ToList();
        if (over.Count > 0) return ClaimResult.DoesNotHold($"{numbers}; over {Limit:0.00} against every build of the C reference: {string.Join(", ", over.Select(Band))}");
        var between = bands.Where(b => b.All.Max() > Limit).ToList();
        if (between.Count > 0)
            return ClaimResult.NotTestable(
                $"C# is within {Limit:0.00} of one build of the C reference and not of another at {string.Join(", ", between.Select(Band))}: "
                + $"the C round trip moves with its own loop alignment by more than the claim's 5%, so on this machine one build cannot decide it", numbers);
        return ClaimResult.Holds(numbers);
    }

    /// <summary>Core counts as words with their noun: "1 core", "2 cores", "1 and 2 cores", "2, 4 and 8 cores".</summary>
    static string CoreCounts(IEnumerable<int> cores)
    {
        var list = cores.ToList();
        if (list.Count == 1) return FigureReadings.Cores(list[0]);
        return (list.Count == 0 ? "" : string.Join(", ", list[..^1]) + " and " + list[^1]) + " cores";
    }
}
