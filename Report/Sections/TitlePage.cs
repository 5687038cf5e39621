using Report.Catalog;
using Report.Html;

namespace Report.Sections;

/// <summary>The first page: which machine and software produced the run, and what each experiment did.</summary>
public static class TitlePage
{
    /// <summary>The machine facts in display order, read from one experiment's meta.json.</summary>
    public static IReadOnlyList<(string Label, string Value)> MachineFacts(RunMeta? m, RunLevelMeta? run)
    {
        if (m is null)
            return
            [
                ("Host", run?.Host ?? "unknown"),
                ("Machine", run is { Machine.Length: > 0 } ? $"{run.Machine} (from run-all.sh; no experiment wrote a meta.json)" : "no experiment wrote a meta.json, so the machine is not described"),
                ("Commit", run?.Commit ?? ""),
            ];
        return
        [
            ("Machine", m.Machine),
            ("Host", m.Host),
            ("CPU model", m.CpuModel),
            ("Sockets (packages)", m.Packages.ToString()),
            ("NUMA nodes", m.NumaNodes.ToString()),
            ("L3 groups", m.L3Domains.ToString()),
            ("Logical CPUs", m.LogicalCpus.ToString()),
            ("TSC", $"{m.TscGHz} GHz ({m.ClockSource})"),
            ("Kernel", m.Kernel),
            (".NET", m.DotNet),
            ("Commit", m.Commit),
        ];
    }

    /// <summary>The meta.json that describes the machine: the first experiment's (they run on one machine).</summary>
    public static RunMeta? Describing(RunFolder run) => run.Experiments.FirstOrDefault()?.Meta;

    /// <summary>Facts on which the experiments' meta.json files disagree (they should not: one run, one machine).</summary>
    public static IReadOnlyList<string> Disagreements(RunFolder run)
    {
        var metas = run.Experiments.Select(e => e.Meta).ToList();
        var out_ = new List<string>();
        void Check(string what, Func<RunMeta, string> f)
        {
            var distinct = metas.Select(f).Distinct().ToList();
            if (distinct.Count > 1) out_.Add($"{what} differs between experiments: {string.Join(" / ", distinct)}");
        }
        Check("Host", m => m.Host);
        Check("CPU model", m => m.CpuModel);
        Check("Commit", m => m.Commit);
        Check("Kernel", m => m.Kernel);
        return out_;
    }

    public static void Write(HtmlWriter w, RunFolder run, string paperSource)
    {
        w.Open("section", "title-page", "title");
        w.H1("Multikernel reproduction: results");
        w.P($"Run {run.Name} ({Shown(run.Path)}); report generated {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC. A reproduction of Baumann et al., "
            + "\"The Multikernel: A new OS architecture for scalable multicore systems\" (SOSP 2009) on a real multicore machine. "
            + "Each chapter is one figure or table of the paper: our measurements with the paper's values on the same axes, and what is measured and what is modelled.");
        if (run.RunMeta?.StateWarning() is { } state) w.Open("div", "warning").Text(state).Close("div");
        MachineTable(w, MachineFacts(Describing(run), run.RunMeta));
        foreach (var d in Disagreements(run)) w.Open("div", "warning").Text(d).Close("div");
        ClaimsTable.Write(w, run);
        w.H2("The figures at a glance");
        Glance(w, run);
        w.H3("Experiments in this run");
        w.Table(["Experiment", "Status", "Profile", "Cores used", "Started (UTC)", "Duration", "Rows"],
            run.Experiments.Select(e => (IReadOnlyList<string>)
            [
                e.Name, Status(e, run.RunMeta), e.Meta.Profile, e.Meta.CoresUsed, e.Meta.Started.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss"),
                e.Meta.Finished is { } f ? $"{(f - e.Meta.Started).TotalSeconds:0} s" : "not finished", RowCounts(e),
            ]).Concat(run.Failed.Select(f => (IReadOnlyList<string>)[f.Name, "failed: no results", "", "", "", "", "0"])), "compact");
        if (run.RunMeta is { } rm)
            w.P($"run-all.sh: profile {rm.Profile}, cores {rm.Cores}, started {rm.Started}, finished {rm.Finished}; command: {rm.Command}", "muted");
        w.P($"Paper values: {paperSource}.", "muted");
        w.Close("section");
    }

    /// <summary>A run folder as the report names it: relative to the repository when it lies inside the checkout that holds this program.</summary>
    public static string Shown(string path)
    {
        string? root = Paper.RepositoryRoot.Find();
        if (root is null) return path;
        string rel = Path.GetRelativePath(root, path);
        return rel.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(rel) ? path : rel;
    }

    /// <summary>
    /// The experiment's status from its meta.json and, where run-all.sh recorded that its program did not end well
    /// (failed with an exit code, interrupted, or still running when run-all was killed), that too: a program may write
    /// "complete" results and still exit with an error.
    /// </summary>
    public static string Status(ExperimentResult e, RunLevelMeta? run) =>
        run?.ForFolder(e.Name) is { Status.Length: > 0 } rec && rec.Status != "ok"
            ? $"{e.Meta.Status}; run-all.sh: {rec.Status}" + (rec.Reason.Length > 0 ? $" ({rec.Reason})" : rec.ExitCode is { } code ? $" (exit code {code})" : "")
            : e.Meta.Status;

    /// <summary>"27", or "27 (3 skipped, 1 failed)".</summary>
    public static string RowCounts(ExperimentResult e)
    {
        int skipped = e.Rows.Count(r => RowStatus.Of(r) == RowKind.Skipped);
        int failed = e.Rows.Count(r => RowStatus.Of(r) == RowKind.Failed);
        int noValue = e.Rows.Count(r => RowStatus.Of(r) == RowKind.NoValue);
        var extra = new List<string>();
        if (skipped > 0) extra.Add($"{skipped} skipped");
        if (failed > 0) extra.Add($"{failed} failed");
        if (noValue > 0) extra.Add($"{noValue} without a value");
        return extra.Count == 0 ? $"{e.Rows.Count}" : $"{e.Rows.Count} ({string.Join(", ", extra)})";
    }

    /// <summary>The machine facts in two label/value column pairs, to keep the first page short.</summary>
    public static void MachineTable(HtmlWriter w, IReadOnlyList<(string Label, string Value)> facts)
    {
        int half = (facts.Count + 1) / 2;
        w.Open("table", "machine").Open("tbody");
        for (int i = 0; i < half; i++)
        {
            w.Open("tr").Element("th", facts[i].Label).Element("td", facts[i].Value);
            if (i + half < facts.Count) w.Element("th", facts[i + half].Label).Element("td", facts[i + half].Value);
            w.Close("tr");
        }
        w.Close("tbody").Close("table");
    }

    /// <summary>One line per figure of the run: its heading and its reading, computed from its rows.</summary>
    public static IReadOnlyList<(string Heading, string Reading)> Readings(RunFolder run)
    {
        var lines = new List<(string, string)>();
        foreach (var name in ReportDocument.Ordered(run.Experiments.Select(e => e.Name)))
        {
            var e = run.Find(name)!;
            var chapter = ExperimentCatalog.For(name);
            foreach (var f in ChapterContent.Of(chapter, e.Rows))
            {
                var set = new RowSet(f.Rows);
                string reading = set.IsEmpty
                    ? $"no measured point ({DescribeUnmeasured(f.Rows.ToList())})"
                    : f.Spec.Reading(set) ?? $"{set.Rows.Count} measured rows (see the chapter).";
                lines.Add((f.Spec.Title.Heading, reading));
            }
        }
        return lines;
    }

    static string DescribeUnmeasured(IReadOnlyList<ResultRow> rows)
    {
        int skipped = rows.Count(r => RowStatus.Of(r) == RowKind.Skipped), failed = rows.Count(r => RowStatus.Of(r) == RowKind.Failed);
        var first = rows.FirstOrDefault(r => RowStatus.Of(r) == RowKind.Skipped);
        return string.Join(", ", new[]
        {
            skipped > 0 ? $"{skipped} skipped" + (first is null ? "" : $": {RowStatus.Reason(first)}") : null,
            failed > 0 ? $"{failed} failed verification" : null,
        }.Where(x => x is not null)) is { Length: > 0 } t ? t : "no rows";
    }

    static void Glance(HtmlWriter w, RunFolder run)
    {
        var lines = Readings(run);
        if (lines.Count == 0) { w.P("No experiment of this run produced results."); return; }
        w.Open("ul", "glance");
        foreach (var (heading, reading) in lines)
            w.Open("li").Open("strong").Text(heading + ".").Close("strong").Text(" " + reading).Close("li");
        w.Close("ul");
        var notRun = NotRunSection.Entries(run);
        if (notRun.Count > 0)
            w.P("Not in this run: " + string.Join("; ", notRun.Select(e => $"{e.Heading} ({e.Reason})")) + ".", "muted");
    }
}
