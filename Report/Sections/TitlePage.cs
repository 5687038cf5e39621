using Experiments.Schema;
using Report.Html;
using Report.Input;

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
        w.P($"Run {run.Name} ({run.Path}); report generated {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.");
        w.P("A reproduction of Baumann et al., \"The Multikernel: A new OS architecture for scalable multicore systems\" (SOSP 2009), "
            + "as one .NET process on a real multicore machine. Each section is one figure or table of the paper: our measurements "
            + "drawn on the paper's axes, the paper's values overlaid, and what was measured and what is modelled.");
        w.H2("Machine");
        w.Table(["", ""], MachineFacts(Describing(run), run.RunMeta).Select(f => (IReadOnlyList<string>)[f.Label, f.Value]));
        foreach (var d in Disagreements(run)) w.Open("div", "warning").Text(d).Close("div");
        w.H2("Experiments in this run");
        w.Table(["Experiment", "Status", "Profile", "Cores used", "Started (UTC)", "Duration", "Rows"],
            run.Experiments.Select(e => (IReadOnlyList<string>)
            [
                e.Name, e.Meta.Status, e.Meta.Profile, e.Meta.CoresUsed, e.Meta.Started.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss"),
                e.Meta.Finished is { } f ? $"{(f - e.Meta.Started).TotalSeconds:0} s" : "not finished", e.Rows.Count.ToString(),
            ]).Concat(run.Failed.Select(f => (IReadOnlyList<string>)[f.Name, "failed: no results", "", "", "", "", "0"])));
        if (run.RunMeta is { } rm)
            w.P($"run-all.sh: profile {rm.Profile}, cores {rm.Cores}, started {rm.Started}, finished {rm.Finished}; command: {rm.Command}", "muted");
        w.P($"Paper values: {paperSource}.", "muted");
        w.Close("section");
    }
}
