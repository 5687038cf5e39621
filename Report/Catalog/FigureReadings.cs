using Report.Html;

namespace Report.Catalog;

/// <summary>
/// The one-line reading of each figure for the first page, computed from the measured rows (never written by hand):
/// the headline numbers at the largest core count measured. Null where the rows hold nothing to read.
/// </summary>
public static class FigureReadings
{
    static string N(double v) => NumberText.Format(v);

    public static string? Fig1(RowSet s)
    {
        const string m = "cycles_per_update";
        var shm8 = s.AtMostCores("SHM8", m);
        var msg8 = s.AtMostCores("MSG8", m);
        if (shm8 is null && msg8 is null) return null;
        var parts = new List<string>();
        int k = Math.Max(shm8?.Cores ?? 0, msg8?.Cores ?? 0);
        var shmK = s.At("SHM8", m, k);
        var msgK = s.At("MSG8", m, k);
        if (shmK is not null && msgK is not null)
            parts.Add($"at {Cores(k)} MSG8 costs {N(msgK.Median)} cycles per update against SHM8's {N(shmK.Median)} ({(msgK.Median < shmK.Median ? "messages cheaper" : msgK.Median > shmK.Median ? "messages dearer" : "the same median")})");
        else if (shmK is not null)
            parts.Add($"at {Cores(k)} SHM8 costs {N(shmK.Median)} cycles per update "
                + (msg8 is null
                    ? k == 1 ? "(no MSG point: it needs two cores)" : "(no MSG8 point measured)"
                    : $"(MSG8 measured at {msg8.Cores} cores at most: {N(msg8.Median)} cycles per update)"));
        else if (msgK is not null)
            parts.Add($"at {Cores(k)} MSG8 costs {N(msgK.Median)} cycles per update");
        var server = s.Curve("Server8", m).Concat(s.Curve("Server", m)).ToList();
        if (server.Count > 0)
        {
            double lo = server.Min(r => r.Median), hi = server.Max(r => r.Median);
            parts.Add(N(lo) == N(hi) ? $"the server spends {N(lo)} cycles per update" : $"the server spends {N(lo)} to {N(hi)} cycles per update");
        }
        var shm1 = s.At("SHM1", m, 1);
        if (shm1 is not null) parts.Add($"one core alone: {N(shm1.Median)} cycles (SHM1)");
        return Sentence(parts);
    }

    public static string? Urpc(RowSet s)
    {
        var parts = new List<string>();
        // The row in the unit its label says (a series also has rows in other units, e.g. the round trip's harness_ratio).
        void Add(string contains, string label, string unitLabel)
        {
            var r = s.Rows.FirstOrDefault(r => r.Series.Contains(contains, StringComparison.OrdinalIgnoreCase) && !r.Series.Contains("(processes)", StringComparison.Ordinal)
                                               && r.Unit == unitLabel);
            if (r is not null) parts.Add($"{label} {N(r.Median)} {unitLabel}");
        }
        Add("LRPC", "same-core LRPC", "cycles");
        Add("one-way", "URPC one-way", "cycles");
        Add("round-trip", "round trip", "cycles");
        Add("throughput", "pipelined throughput", "msgs/kcycle");
        return Sentence(parts);
    }

    public static string? Fig6(RowSet s)
    {
        var rows = Preferred(s.Where(r => ExperimentCatalog.Protocols.Contains(r.Series) && r.Unit == "cycles"));
        if (rows.IsEmpty) return null;
        int k = rows.Rows.Max(r => r.Cores);
        var at = rows.Rows.Where(r => r.Cores == k).OrderBy(r => r.Median).ToList();
        if (at.Count < 2) return Sentence([$"at {Cores(k)} {at[0].Series} takes {N(at[0].Median)} cycles"]);
        // Fastest and slowest of the protocols measured there: where some were not, the reading says which.
        var missing = ExperimentCatalog.Protocols.Where(p => !at.Any(r => r.Series == p)).ToList();
        string of = missing.Count == 0 ? "" : $", of the {at.Count} protocols measured there ({string.Join(", ", missing)} not measured at {Cores(k)}),";
        return Sentence([$"at {Cores(k)}{of} {at[0].Series} is fastest ({N(at[0].Median)} cycles) and {at[^1].Series} slowest ({N(at[^1].Median)})"]);
    }

    public static string? Fig7(RowSet s)
    {
        var (mk, linux, mmu) = UnmapCurves(s);
        if (mk.Count == 0 || linux.Count == 0) return null;
        var last = mk[^1];
        var linuxLast = linux.FirstOrDefault(r => r.Cores == last.Cores);
        var parts = new List<string>();
        if (linuxLast is not null)
            parts.Add($"at {last.Cores} cores the multikernel unmap takes {N(last.Median)} cycles, Linux mprotect {N(linuxLast.Median)}");
        parts.Add(Crossover.FirstFasterText(mk, linux) is { } faster ? $"the multikernel is {faster}" : "the multikernel is not faster than mprotect at any core count measured");
        parts.Add($"MMU: {mmu}");
        return Sentence(parts);
    }

    /// <summary>
    /// Fig 7's two curves in cycles: the multikernel unmap (its mmu=hardware rows where there are any) and Linux
    /// mprotect, and a label of the multikernel's MMU.
    /// </summary>
    public static (IReadOnlyList<ResultRow> Mk, IReadOnlyList<ResultRow> Linux, string Mmu) UnmapCurves(RowSet s)
    {
        var mkRows = Preferred(s.Where(r => r.Series == ExperimentCatalog.MkUnmap && r.Unit == "cycles"));
        var linuxRows = s.Where(r => r.Series == ExperimentCatalog.LinuxMprotect && r.Unit == "cycles");
        var mk = mkRows.Rows.GroupBy(r => r.Cores).Select(g => g.First()).OrderBy(r => r.Cores).ToList();
        var linux = linuxRows.Rows.GroupBy(r => r.Cores).Select(g => g.First()).OrderBy(r => r.Cores).ToList();
        return (mk, linux, MmuLabel(mkRows));
    }

    public static string? Agreement(RowSet s)
    {
        var rows = s.Where(r => ExperimentCatalog.AgreementSeries.IsMatch(r.Series) && r.Unit == "cycles");
        if (rows.IsEmpty) return null;
        int k = rows.Rows.Max(r => r.Cores);
        var at = rows.Rows.Where(r => r.Cores == k).ToList();
        var one = at.Where(r => r.Series.StartsWith("1PC", StringComparison.Ordinal)).Select(r => r.Median).DefaultIfEmpty(double.NaN).Min();
        var two = at.Where(r => r.Series.StartsWith("2PC", StringComparison.Ordinal)).Select(r => r.Median).DefaultIfEmpty(double.NaN).Min();
        return Sentence([$"at {Cores(k)} the fastest 1PC takes {N(one)} cycles and the fastest 2PC {N(two)}"]);
    }

    public static string? Compute(RowSet s, string benchmark)
    {
        var rows = s.Where(r => ComputeBenchmarks.KeyOf(r) == benchmark && r.Metric == "seconds");
        if (rows.IsEmpty) return null;
        int k = rows.Rows.Max(r => r.Cores);
        // One sentence part per input (the rows' Param): mk is compared only with host runtimes that ran its input.
        var inputs = rows.Rows.Where(r => r.Cores == k).GroupBy(r => r.Param).ToList();
        var texts = inputs.Select(input =>
        {
            var at = input.ToList();
            var parts = at.Select(r => $"{SeriesName.Member(r.Series)} {N(r.Median)} s").ToList();
            var mk = at.FirstOrDefault(r => SeriesName.Member(r.Series) == ComputeBenchmarks.Multikernel);
            var best = at.Where(r => ComputeBenchmarks.HostRuntimes.Contains(SeriesName.Member(r.Series))).MinBy(r => r.Median);
            string ratio = "";
            if (mk is not null && best is not null)
            {
                string host = SeriesName.Member(best.Series);
                ratio = ComputeBenchmarks.PairedRow(s, mk, host) is { } paired
                    ? $"; mk / best host ({host}) = {mk.Median / best.Median:0.00} by the medians, {paired.Median:0.00} paired per repetition"
                      + (double.IsFinite(paired.CiLow) && double.IsFinite(paired.CiHigh) ? $" (95% CI {paired.CiLow:0.00}-{paired.CiHigh:0.00})" : "")
                    : $"; mk / best host ({host}) = {mk.Median / best.Median:0.00}";
            }
            string name = inputs.Count > 1 ? $"{ComputeBenchmarks.InputOf(at[0]) ?? input.Key}: " : "";
            return $"{name}{string.Join(", ", parts)}{ratio}";
        });
        return $"At {Cores(k)}: {string.Join("; ", texts)}.";
    }

    public static string? Io(RowSet s)
    {
        var parts = new List<string>();
        string? Pair(string workload, string metric, string unitLabel, params string[] others)
        {
            var mk = MkRow(s, workload, metric);
            if (mk is null) return null;
            var versus = others.Select(o => BaselineRow(s, workload, o, metric, mk))
                .Where(r => r is not null).Select(r => $"{SeriesName.Member(r!.Series)} {N(r.Median)}");
            string label = IsUserStack(mk) ? "mk" : "mk (stack=kernel: Linux's sockets, its user-level stack not measured)";
            return $"{workload}: {label} {N(mk.Median)}" + string.Concat(versus.Select(v => $" vs {v}")) + $" {unitLabel}";
        }
        foreach (var p in new[]
        {
            Pair("UDP echo", "packets_per_s", "packets/s", "host"),
            Pair("web static", "requests_per_s", "requests/s", "lighttpd", "kestrel"),
            Pair("web dynamic", "requests_per_s", "requests/s", "kestrel"),
        })
            if (p is not null) parts.Add(p);
        return parts.Count == 0 ? null : string.Join("; ", parts) + ".";
    }

    /// <summary>The multikernel's row of an IO workload: the user-level stack's (stack=user) where there is one.</summary>
    public static ResultRow? MkRow(RowSet s, string workload, string metric)
    {
        var mk = s.Where(r => r.Series == $"{workload}/mk" && r.Metric == metric);
        return mk.WithParam("stack", "user").Rows.FirstOrDefault() ?? mk.Rows.FirstOrDefault();
    }

    /// <summary>True when <paramref name="mk"/> is the multikernel's own user-level stack (stack=user), not its socket-driver variant over Linux's stack.</summary>
    public static bool IsUserStack(ResultRow mk) => ParamText.Parse(mk.Param).TryGetValue("stack", out var v) && v.Equals("user", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The <paramref name="baseline"/> row of an IO workload that crossed the same wire as <paramref name="mk"/> (the same
    /// wire= value; a row without one matches any), or null where every such row crossed another wire.
    /// </summary>
    public static ResultRow? BaselineRow(RowSet s, string workload, string baseline, string metric, ResultRow mk)
    {
        ParamText.Parse(mk.Param).TryGetValue("wire", out var wire);
        return s.Rows.FirstOrDefault(r => r.Series == $"{workload}/{baseline}" && r.Metric == metric
            && (wire is null || !ParamText.Parse(r.Param).TryGetValue("wire", out var w) || w.Equals(wire, StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary>Rows with mmu=hardware where there are any, else the others (mmu=modelled or no mmu key).</summary>
    public static RowSet Preferred(RowSet rows)
    {
        var hw = rows.WithParam("mmu", "hardware");
        return hw.IsEmpty ? rows.Where(r => !ParamText.Parse(r.Param).TryGetValue("mmu", out var v) || !v.Equals("hardware", StringComparison.OrdinalIgnoreCase)) : hw;
    }

    /// <summary>What the MMU of the multikernel rows in <paramref name="rows"/> is (after <see cref="Preferred"/>).</summary>
    public static string MmuLabel(RowSet rows) =>
        !rows.WithParam("mmu", "hardware").IsEmpty ? "real page tables (mmu=hardware)"
        : !rows.WithParam("mmu", "modelled").IsEmpty ? "modelled, a software TLB (mmu=modelled)"
        : "modelled, a software TLB (the rows carry no mmu= key)";

    /// <summary>"1 core", "16 cores".</summary>
    public static string Cores(int k) => k == 1 ? "1 core" : $"{k} cores";

    static string? Sentence(IReadOnlyList<string> parts)
    {
        if (parts.Count == 0) return null;
        string s = string.Join("; ", parts);
        return char.ToUpperInvariant(s[0]) + s[1..] + ".";
    }
}
