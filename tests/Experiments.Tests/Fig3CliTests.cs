using Fig3.TlbShootdown;

namespace Experiments.Tests;

/// <summary>The fig3 program end to end at a tiny size: what it writes and how it stops (its bad input: <see cref="ProgramBadInputTests"/>).</summary>
public class Fig3CliTests
{
    static (int Exit, string Out, string Err) Run(params string[] args) => ProgramRun.Invoke(Fig3Cli.Run, args);

    static readonly string[] Tiny = ["--iterations", "20", "--repetitions", "3"];

    [Fact]
    public void OneCoreMeasuresUnmapAndHostCallsAndSaysWhyProtocolsAreSkipped()
    {
        string dir = TestCores.TempDir();
        var (exit, stdout, err) = Run([.. Tiny, "--cores", $"{TestCores.First(1)[0]}", "--out", dir]);
        Assert.True(exit == 0, err);
        Assert.Contains("Broadcast, Unicast, Multicast and NUMA-aware multicast skipped", err);
        // The progress lines print each row in its unit: the invocations' allocation rows as bytes, never as cycles.
        Assert.Contains(stdout.Split('\n'), l => l.Contains("Invocation: ") && l.Contains("allocated_bytes_per_op") && l.Contains(" bytes ") && !l.Contains("cycles"));
        Assert.DoesNotContain("NaN", stdout);
        string fig = Path.Combine(dir, Fig3Settings.ExperimentId);
        var rows = ResultsFile.Read(fig);
        Assert.Equal(["Multikernel unmap", "Multikernel unmap", "Linux mprotect", "Linux munmap"], rows.Take(4).Select(r => r.Series));
        Assert.Equal("mmu=modelled;protocol=numa-aware-multicast;group=package;pages=1", rows[0].Param); // the unmap's shootdown takes the paper's route
        Assert.Equal("mmu=hardware;protocol=numa-aware-multicast;group=package;pages=1", rows[1].Param); // the same series with real page tables, in process mode
        Assert.All(rows.Skip(4), r => Assert.StartsWith("Invocation: ", r.Series)); // local capability invocations need no second core
        Assert.All(rows, r => Assert.Equal(1, r.Cores));
        Assert.All(rows, r => Assert.Equal("pass", r.Verified));
        var meta = RunMeta.Load(fig);
        Assert.Equal("complete", meta.Status);
        Assert.Contains(meta.Notes, n => n.Contains("skipped") && n.Contains("only 1 core"));
        Assert.True(meta.CoreProcessStartupMs["Multikernel (processes) cores=1"] > 0); // startup of the process-mode boot, measured
    }

    [Fact]
    public void TwoCoresWriteEverySeriesWithSelfDescribingRows()
    {
        Assert.SkipUnless(TestCores.HasTwo, "needs two cores; this process may use one (the one-core test covers machines with one core)");
        string dir = TestCores.TempDir();
        var (exit, stdout, err) = Run([.. Tiny, "--cores", string.Join(',', TestCores.UpToTwo), "--out", dir]);
        Assert.True(exit == 0, err);
        Assert.Contains("[fig3-tlb] 1/10", err); // progress per point: 4 points per core count, capabilities at 2 cores, local invocations
        Assert.Contains("fig3: results in", stdout);

        string fig = Path.Combine(dir, Fig3Settings.ExperimentId);
        var rows = ResultsFile.Read(fig);
        string[] multikernel = ["Broadcast", "Unicast", "Multicast", "NUMA-aware multicast", "Multikernel unmap", "1PC", "1PC", "1PC", "1PC", "2PC", "2PC", "2PC", "2PC"];
        string[] at2 = [.. multikernel, .. multikernel, "Linux mprotect", "Linux munmap", "Capability transfer to another core", "Capability revoke with copies on 2 cores"]; // each multikernel series with mmu=modelled and mmu=hardware
        Assert.Equal(at2.Order(), rows.Where(r => r.Cores == 2 && r.Unit == "cycles").Select(r => r.Series).Order());
        // Each Linux baseline's TLB-shootdown interrupts per call, where /proc/interrupts has a TLB line.
        var ipis = rows.Where(r => r.Metric == ShootdownInterruptMetrics.PerCall).ToList();
        Assert.Equal(TlbShootdownInterrupts.Snapshot() is null ? [] : ["Linux mprotect", "Linux munmap"], ipis.Select(r => r.Series).Order());
        Assert.All(ipis, r => Assert.True(r is { Cores: 2, Unit: "interrupts", Samples: 1, Verified: "pass" } && r.Median >= 0 && r.Median == r.CiLow && r.Median == r.CiHigh, r.ToString()));
        Assert.Equal(["Multikernel unmap", "Multikernel unmap", "Linux mprotect", "Linux munmap"], rows.Where(r => r.Cores == 1).Take(4).Select(r => r.Series));
        foreach (var mmu in new[] { "mmu=modelled;", "mmu=hardware;" })
            Assert.Equal(multikernel.Order(), rows.Where(r => r.Cores == 2 && r.Param.StartsWith(mmu, StringComparison.Ordinal)).Select(r => r.Series).Order());
        foreach (var r in rows.Where(r => r.Unit == "cycles"))
        {
            Assert.Equal(Fig3Settings.ExperimentId, r.Experiment);
            Assert.Equal(r.Series is "Multikernel unmap" or "Linux mprotect" or "Linux munmap" ? "unmap_cycles" : "cycles", r.Metric); // Fig 7 vs the rest in the report
            Assert.Equal("pass", r.Verified);
            Assert.Equal(3, r.Samples);
            if (r.Samples >= SampleSummary.MinCountForCi) Assert.InRange(r.Median, r.CiLow, r.CiHigh); else Assert.True(double.IsNaN(r.CiLow) && double.IsNaN(r.CiHigh), $"{r.Series}: {r.Samples} samples have no 95% CI");
            Assert.True(r.Median > 0, $"{r.Series} cores={r.Cores}: median {r.Median}");
            Assert.False(double.IsNaN(r.MedianNs));
            bool real = r.Series.StartsWith("Linux") || r.Series is "1PC" or "2PC" || r.Series.StartsWith("Capability ");
            Assert.Contains(real ? "real:" : r.Param.StartsWith("mmu=hardware", StringComparison.Ordinal) ? "real page tables" : "modelled:", r.Note);
        }
        Assert.All(rows.Where(r => r.Unit is not ("cycles" or "interrupts")), r => Assert.Equal(("allocated_bytes_per_op", "bytes"), (r.Metric, r.Unit)));
        foreach (var mmu in new[] { "modelled", "hardware" })
            foreach (var p in new[] { "broadcast", "unicast", "multicast", "numa-aware-multicast" })
            {
                Assert.Contains(rows, r => r is { Series: "1PC", Cores: 2 } && r.Param == $"mmu={mmu};protocol={p};group=package;pages=1;update=domain-placement" && r.Note.Contains("TLB shootdown on the same route"));
                Assert.Contains(rows, r => r is { Series: "2PC", Cores: 2 } && r.Param == $"mmu={mmu};protocol={p};group=package;pages=1;update=domain-placement" && r.Note.Contains("the 1PC on the same route"));
            }
        // The 1PC sends before it applies (CommitCoordinator.StartOnePhase), so the other cores apply while the initiator does.
        Assert.All(rows.Where(r => r.Series == "1PC"), r => Assert.Contains("the initiator sends the update along the route, then applies it to its own replica", r.Note));
        Assert.Contains(rows, r => r is { Series: "NUMA-aware multicast", Param: "mmu=modelled;protocol=numa-aware-multicast;group=package;pages=1" });
        Assert.Contains(rows, r => r is { Series: "NUMA-aware multicast", Param: "mmu=hardware;protocol=numa-aware-multicast;group=package;pages=1" });
        Assert.Contains(rows, r => r.Series == "Multikernel unmap" && r.Param.StartsWith("mmu=hardware") && r.Cores == 2 && r.Note.Contains("TLB-shootdown interrupts the participating cores"));
        Assert.Contains(rows, r => r is { Series: "Linux mprotect", Param: "call=mprotect;pages=1" });
        Assert.Contains(rows, r => r.Series == "Broadcast" && r.Note.Contains("broadcast buffer"));
        var meta = RunMeta.Load(fig);
        Assert.Equal("complete", meta.Status);
        Assert.Contains(meta.Notes, n => n.Contains("at cores=1 the four shootdown protocols are not measured"));
    }

    /// <summary>A writer that cancels the run once the program reports its first finished point.</summary>
    [Fact]
    public void InterruptedRunKeepsFinishedPointsAndListsTheMissingOnes()
    {
        var (_, rows, meta) = ProgramRun.RunInterruptedAfterFirstPoint(Fig3Cli.Run, Tiny, Fig3Settings.ExperimentId, ExitCode.Interrupted);
        Assert.Equal(["Multikernel unmap"], rows.Select(r => r.Series));
        Assert.Equal(["Multikernel (processes) cores=1", "Linux mprotect cores=1", "Linux munmap cores=1", "Capability invocations cores=1"], meta.Incomplete);
    }
}
