using Experiments.Schema;
using Report.Catalog;
using Report.Charts;
using Report.Input;

namespace Report.Tests;

/// <summary>
/// Rows of the shapes other experiments are about to write (SPLASH-2 benchmarks, the host-spin runtime, atomic and
/// raw Fig 1 variants and the C twin's ratios, 1PC/2PC and capability operations, unmap with mmu=, URPC across
/// processes, IO with stack=): each lands in its figure and panel through the catalog alone. Made-up numbers.
/// </summary>
public class FutureRowsTests
{
    const string F1 = ExperimentCatalog.Fig1, Tlb = ExperimentCatalog.Fig3Tlb, Cmp = ExperimentCatalog.Compute, Io = ExperimentCatalog.IoWebserver;

    [Fact]
    public void The_urpc_reading_takes_each_number_in_the_unit_it_names()
    {
        const string U = ExperimentCatalog.UrpcTables;
        var rows = new RowSet(
        [
            FixtureRun.Row(U, "URPC round-trip same-L3", 2, 1.011, "harness_ratio", "x"), // before the cycles row
            FixtureRun.Row(U, "URPC round-trip same-L3", 2, 761, "cycles", "cycles"),
            FixtureRun.Row(U, "URPC throughput same-L3", 2, 11.1, "msgs_per_kcycle", "msgs/kcycle"),
        ]);
        string reading = FigureReadings.Urpc(rows)!;
        Assert.Contains("round trip 761 cycles", reading, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("1.01", reading);
        Assert.Contains("pipelined throughput 11.1 msgs/kcycle", reading);
    }

    [Fact]
    public void Splash2_benchmarks_get_their_own_figures_with_all_four_runtimes()
    {
        using var fx = new FixtureRun();
        var rows = new List<ResultRow>();
        foreach (var bench in new[] { "CG", "BARNES", "RADIOSITY" })
            foreach (var rt in new[] { "mk", "host", "pinned", "host-spin" })
                for (int c = 1; c <= 2; c++)
                {
                    rows.Add(FixtureRun.Row(Cmp, $"{bench}/{rt}", c, 2.0 / c, "seconds", "s", verified: "pass"));
                    rows.Add(FixtureRun.Row(Cmp, $"{bench}/{rt}", c, c, "speedup", "x", verified: "pass"));
                }
        fx.Write(Cmp, rows);
        string html = ReportDocumentTests.Build(fx);
        Assert.Contains("Figs 4, 7-8 (paper Fig 9): compute-bound workloads", html); // no FT, IS: not "Figs 4-8"
        Assert.Contains("Fig 7 (paper Fig 9): SPLASH-2 Barnes-Hut", html);
        Assert.Contains("Fig 8 (paper Fig 9): SPLASH-2 radiosity", html);
        var charts = ChartPanel.All(html);
        Assert.Equal(6, charts.Count); // time and speedup for each of the three
        Assert.All(charts, c => Assert.Equal(["mk", "host", "pinned", "host-spin"], c.Names.Where(n => !n.Contains("ideal"))));
        // The same runtime has the same colour in every figure; the multikernel is red everywhere.
        Assert.All(charts, c => Assert.Equal("#d62728", c.Trace("mk").Colour));
        Assert.Single(charts.SelectMany(c => c.Traces).Where(t => t.Name == "host-spin").Select(t => t.Colour).Distinct());
    }

    [Fact]
    public void Fig1_variants_and_c_twin_ratios_go_beside_the_papers_series_in_the_base_colour()
    {
        using var fx = new FixtureRun();
        var rows = new List<ResultRow>();
        foreach (var s in new[] { "SHM8", "SHM8-atomic", "MSG8", "MSG8-raw", "lock8" })
            for (int c = 1; c <= 2; c++)
                rows.Add(FixtureRun.Row(F1, s, c, 100.0 * c + s.Length));
        rows.Add(FixtureRun.Row(F1, "SHM8", 2, 1.05, "cycles_ratio", "x", "impl=csharp/c"));
        rows.Add(FixtureRun.Row(F1, "MSG8", 2, 1.08, "cycles_ratio", "x", "impl=csharp/c"));
        foreach (var s in new[] { "SHM8 (C)", "MSG8 (C)" })
            for (int c = 1; c <= 2; c++)
                rows.Add(FixtureRun.Row(F1, s, c, 90.0 * c, param: "lines=8;impl=c"));
        fx.Write(F1, rows);
        string html = ReportDocumentTests.Build(fx);
        var paper = ChartPanel.Titled(html, "As in the paper");
        Assert.Equal(["SHM8", "MSG8"], paper.Names.Where(n => !n.StartsWith("paper", StringComparison.Ordinal)));
        var variants = ChartPanel.Titled(html, "Baselines and variants");
        Assert.Equal(["SHM8-atomic", "MSG8-raw", "lock8"], variants.Names);
        Assert.Equal(paper.Trace("SHM8").Colour, variants.Trace("SHM8-atomic").Colour);
        Assert.Equal("dash", variants.Trace("SHM8-atomic").Dash);
        Assert.Equal("dashdot", variants.Trace("MSG8-raw").Dash);
        var twin = ChartPanel.Titled(html, "The C twin");
        Assert.Equal(["SHM8 (C)", "MSG8 (C)"], twin.Names); // the C rows have their own panel, not the variants'
        Assert.Equal(paper.Trace("SHM8").Colour, twin.Trace("SHM8 (C)").Colour); // in the colour of the series they twin
        Assert.Equal("dot", twin.Trace("MSG8 (C)").Dash);
        var ratio = ChartPanel.Titled(html, "C# over the C twin");
        Assert.Equal([1.05], ratio.Trace("SHM8").Y);
        Assert.Contains("target 1.10", ratio.Title);
    }

    [Fact]
    public void Agreement_rows_per_protocol_and_capability_operations_get_the_beyond_the_paper_figure()
    {
        using var fx = new FixtureRun();
        var rows = new List<ResultRow>();
        foreach (var pc in new[] { "1PC", "2PC" })
            foreach (var proto in new[] { "broadcast", "numa-aware-multicast" })
                for (int c = 2; c <= 4; c++)
                    rows.Add(FixtureRun.Row(Tlb, pc, c, (pc == "1PC" ? 1000 : 2000) + 10.0 * c, "cycles", param: $"protocol={proto};group=package"));
        rows.Add(FixtureRun.Row(Tlb, "cap retype", 1, 180, "ns_per_op", "ns"));
        rows.Add(FixtureRun.Row(Tlb, "cap revoke", 4, 9000, "ns_per_op", "ns", "copies=4"));
        fx.Write(Tlb, rows);
        string html = ReportDocumentTests.Build(fx);
        Assert.Contains("Monitor agreement and capabilities (beyond the paper)", html);
        var agreement = ChartPanel.Titled(html, "Agreement: 1PC and 2PC");
        Assert.Equal(["1PC [protocol=broadcast]", "1PC [protocol=numa-aware-multicast]", "2PC [protocol=broadcast]", "2PC [protocol=numa-aware-multicast]"], agreement.Names);
        Assert.Equal(4, agreement.Traces.Select(t => (t.Colour, t.Dash)).Distinct().Count()); // four curves that look different
        int caps = html.IndexOf("Capability operations", StringComparison.Ordinal);
        Assert.True(caps > 0);
        Assert.Contains("cap revoke", html[caps..]);
        Assert.DoesNotContain("Other rows", html);
    }

    [Fact]
    public void Unmap_with_real_and_modelled_mmu_gives_two_curves_and_the_interrupt_counts_a_panel()
    {
        using var fx = new FixtureRun();
        var rows = new List<ResultRow>();
        for (int c = 1; c <= 4; c++)
        {
            rows.Add(FixtureRun.Row(Tlb, "Multikernel unmap", c, 5000 + 100.0 * c, "unmap_cycles", param: "mmu=hardware;pages=1"));
            rows.Add(FixtureRun.Row(Tlb, "Multikernel unmap", c, 500 + 100.0 * c, "unmap_cycles", param: "mmu=modelled;pages=1"));
            rows.Add(FixtureRun.Row(Tlb, "Linux mprotect", c, 2000.0 * c, "unmap_cycles", param: "call=mprotect;pages=1"));
            rows.Add(FixtureRun.Row(Tlb, "Multikernel unmap", c, 0, "tlb_shootdown_irqs_per_op", "interrupts", "mmu=hardware;pages=1"));
            rows.Add(FixtureRun.Row(Tlb, "Linux mprotect", c, c - 1, "tlb_shootdown_irqs_per_op", "interrupts", "call=mprotect;pages=1"));
        }
        fx.Write(Tlb, rows);
        string html = ReportDocumentTests.Build(fx);
        var unmap = ChartPanel.Titled(html, "Unmap latency");
        Assert.Contains("Multikernel unmap [mmu=hardware]", unmap.Names);
        Assert.Contains("Multikernel unmap [mmu=modelled]", unmap.Names);
        Assert.Equal("dash", unmap.Trace("Multikernel unmap [mmu=modelled]").Dash);
        Assert.Equal("solid", unmap.Trace("Multikernel unmap [mmu=hardware]").Dash);
        var irqs = ChartPanel.Titled(html, "TLB-shootdown interrupts");
        Assert.Equal([0.0, 1.0, 2.0, 3.0], irqs.Trace("Linux mprotect").Y);
        // The first page's reading names the crossover with real page tables: 5,000 + 100k < 2,000k from k = 3.
        Assert.Contains("the multikernel is first faster at 3 cores; MMU: real page tables (mmu=hardware)", html);
    }

    [Fact]
    public void An_unmap_faster_only_below_the_largest_core_count_is_not_read_as_a_crossover()
    {
        // The 2-core Zen 5 run's shape: faster at 1 core (no other core to reach), slower at 2 cores.
        using var fx = new FixtureRun();
        fx.Write(Tlb,
        [
            FixtureRun.Row(Tlb, "Multikernel unmap", 1, 12201, "unmap_cycles", param: "mmu=hardware;pages=1"),
            FixtureRun.Row(Tlb, "Multikernel unmap", 2, 100968, "unmap_cycles", param: "mmu=hardware;pages=1"),
            FixtureRun.Row(Tlb, "Linux mprotect", 1, 12390, "unmap_cycles", param: "call=mprotect;pages=1"),
            FixtureRun.Row(Tlb, "Linux mprotect", 2, 94122, "unmap_cycles", param: "call=mprotect;pages=1"),
        ]);
        string html = ReportDocumentTests.Build(fx);
        Assert.DoesNotContain("first faster at 1 core;", html);
        // Both the figure's reading and the claim's numbers say the largest core count went the other way.
        Assert.Equal(2, html.Split("first faster at 1 core, but not faster at 2 cores, the largest core count measured").Length - 1);
    }

    [Fact]
    public void Urpc_rows_across_processes_and_io_rows_per_stack_are_shown()
    {
        using var fx = new FixtureRun();
        fx.Write(ExperimentCatalog.UrpcTables,
        [
            FixtureRun.Row(ExperimentCatalog.UrpcTables, "URPC one-way same-L3", 2, 150, "cycles", param: "pair=0,1"),
            FixtureRun.Row(ExperimentCatalog.UrpcTables, "URPC one-way same-L3 (processes)", 2, 155, "cycles", param: "pair=0,1"),
        ]);
        fx.Write(Io,
        [
            FixtureRun.Row(Io, "UDP echo/mk", 2, 300_000, "packets_per_s", "packets/s", "stack=user"),
            FixtureRun.Row(Io, "UDP echo/mk", 2, 200_000, "packets_per_s", "packets/s", "stack=kernel"),
            FixtureRun.Row(Io, "UDP echo/host", 2, 250_000, "packets_per_s", "packets/s"),
        ]);
        string html = ReportDocumentTests.Build(fx);
        Assert.Contains("URPC one-way same-L3 (processes)", html);
        var udp = ChartPanel.Titled(html, "UDP echo throughput");
        Assert.Equal(["mk [stack=user]", "mk [stack=kernel]", "host"], udp.Names);
        Assert.Equal([300.0], udp.Trace("mk [stack=user]").Y); // thousands of packets per second
        Assert.Equal("dash", SeriesStyles.Of("mk [stack=kernel]").Dash);
    }

    /// <summary>Compute's paired curves ("mk [over=host]", ...) had mk's red with a dash picked by hash, two of the three
    /// in the same colour; each now has the colour and marker of the runtime it divides by, so the three differ.</summary>
    [Fact]
    public void A_paired_ratio_curve_looks_like_the_runtime_it_divides_by()
    {
        string[] names = ["mk [over=host]", "mk [over=pinned]", "mk [over=host-spin]"];
        var styles = SeriesStyles.For(names);
        for (int i = 0; i < names.Length; i++)
        {
            var runtime = SeriesStyles.Of(names[i][(names[i].IndexOf('=') + 1)..^1]);
            Assert.Equal((runtime.Colour, runtime.Symbol), (styles[i].Colour, styles[i].Symbol));
        }
        Assert.Equal(3, styles.Select(s => s.Colour).Distinct().Count());
    }
}
