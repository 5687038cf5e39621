using System.Globalization;
using Multikernel.Net.Wire;

namespace Experiments.Tests;

/// <summary>
/// The programs as real processes under SIGINT, SIGTERM and SIGKILL, each in its own process group: the points
/// finished before the signal stay on disk, meta.json says the run is incomplete and what is missing, the exit code
/// says how it ended, and nothing of the program's process group (lighttpd, Kestrel, wrk included) is left running.
/// </summary>
public class InterruptionTests
{
    static readonly TimeSpan Generous = TimeSpan.FromSeconds(120);

    /// <summary>Every program with every signal.</summary>
    public static TheoryData<string, int> Scenarios()
    {
        var d = new TheoryData<string, int>();
        foreach (var program in new[] { "fig1", "fig3", "io" })
            foreach (int sig in new[] { ProgramProcess.SIGINT, ProgramProcess.SIGTERM, ProgramProcess.SIGKILL })
                d.Add(program, sig);
        return d;
    }

    /// <summary>The program's dll, arguments giving several points of about a second, the progress text of its second
    /// point, and its result folder.</summary>
    static (string Dll, string[] Args, string SecondPoint, string Folder) Setup(string program, string outDir)
    {
        string cores = string.Join(',', TestCores.UpToTwo);
        return program switch
        {
            "fig1" => ("Fig1.SharedState.dll", ["--experiment", "fig1-shared-state", "--repetitions", "20", "--cores", cores, "--out", outDir], "[fig1-shared-state] 2/", "fig1-shared-state"),
            "fig3" => ("Fig3.TlbShootdown.dll", ["--repetitions", "20", "--cores", cores, "--out", outDir], "[fig3-tlb] 2/", "fig3-tlb"),
            _ => ("IOWebserver.dll", ["--quick", "--cores", cores, "--out", outDir], "[io-webserver] 2/", "io-webserver"),
        };
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void ASignalAfterTheFirstPointKeepsItMarksTheRunIncompleteAndLeavesNoProcess(string program, int signal)
    {
        Assert.SkipUnless(TestCores.HasTwo, "the programs' sweeps need two cores here to have several points; this process may use one");
        Assert.SkipWhen(signal == ProgramProcess.SIGINT && ProgramProcess.SigIntIgnoredHere(),
            "SIGINT is ignored by this test process (started in the background), so a child would ignore it too");
        string outDir = Path.Combine(TestCores.TempDir(), "run");
        var (dll, args, secondPoint, folder) = Setup(program, outDir);
        using var p = ProgramProcess.Start(dll, args);
        Assert.True(p.WaitFor(secondPoint, Generous), $"{program} did not reach its second point:\n{p.Output}");
        p.Signal(signal);
        int? exit = p.WaitForExit(Generous);
        Assert.True(exit != null, $"{program} did not end after signal {signal}:\n{p.Output}");
        Assert.Equal(signal == ProgramProcess.SIGKILL ? 128 + 9 : ExitCode.Interrupted, exit);

        string dir = Path.Combine(outDir, folder);
        var meta = RunMeta.Load(dir);
        Assert.Equal("incomplete", meta.Status);
        Assert.NotEmpty(meta.Incomplete);
        Assert.NotEmpty(ResultsFile.Read(dir));
        if (signal != ProgramProcess.SIGKILL)
        {
            Assert.Contains(meta.Notes, n => n.StartsWith("interrupted (SIGINT or SIGTERM)", StringComparison.Ordinal));
            Assert.Contains(signal == ProgramProcess.SIGINT ? "Ctrl-C (SIGINT): stopping after the current" : "SIGTERM: stopping after the current", p.Output);
        }
        Assert.Empty(ProgramProcess.WaitForEmptyGroup(p.Pid, TimeSpan.FromSeconds(30)));
        Assert.Empty(p.WaitForDescendantsGone(TimeSpan.FromSeconds(30))); // children in sessions of their own (wrk, lighttpd, Kestrel) too
    }

    [Fact]
    public void ASecondSignalEndsTheProgramAtOnce()
    {
        string outDir = Path.Combine(TestCores.TempDir(), "run");
        using var p = ProgramProcess.Start("Fig3.TlbShootdown.dll", "--iterations", "100000", "--repetitions", "200", "--cores", string.Join(',', TestCores.UpToTwo), "--out", outDir);
        Assert.True(p.WaitFor("[fig3-tlb] 1/", Generous), p.Output);
        p.Signal(ProgramProcess.SIGTERM);
        Assert.True(p.WaitFor("SIGTERM: stopping after the current point", Generous), p.Output);
        p.Signal(ProgramProcess.SIGTERM);
        int? exit = p.WaitForExit(TimeSpan.FromSeconds(30)); // the first point alone would take minutes at this size
        Assert.True(exit is not (null or 0 or ExitCode.Interrupted), $"exit {exit}:\n{p.Output}");
        Assert.Equal("incomplete", RunMeta.Load(Path.Combine(outDir, "fig3-tlb")).Status);
        Assert.Empty(ProgramProcess.WaitForEmptyGroup(p.Pid, TimeSpan.FromSeconds(30)));
        Assert.Empty(p.WaitForDescendantsGone(TimeSpan.FromSeconds(30))); // children in sessions of their own (wrk, lighttpd, Kestrel) too
    }

    /// <summary>
    /// A stop signal while the user-stack UDP series measures over the run's veth wire: the wire stays up until the
    /// series has finished (removing it under the series would fail it with "Network is down"), so the series passes,
    /// the run ends as interrupted, and the program removes the wire as it ends.
    /// </summary>
    [Theory]
    [InlineData(ProgramProcess.SIGTERM)]
    [InlineData(ProgramProcess.SIGINT)]
    public void AStopSignalDuringASeriesOnTheWireLetsItFinishAndThenRemovesTheWire(int signal)
    {
        Assert.SkipWhen(signal == ProgramProcess.SIGINT && ProgramProcess.SigIntIgnoredHere(),
            "SIGINT is ignored by this test process (started in the background), so a child would ignore it too");
        using var p = StartInsideTheUdpSeriesOnTheWire(durationSeconds: 1, repetitions: 3, out string outDir);
        p.Signal(signal);
        Assert.Equal(ExitCode.Interrupted, p.WaitForExit(Generous));
        Assert.DoesNotContain("Network is down", p.Output);
        Assert.DoesNotContain("unhandled exception", p.Output);
        string dir = Path.Combine(outDir, IoSettings.ExperimentId);
        var rate = Assert.Single(ResultsFile.Read(dir), r => r.Series == UdpEchoSeries.MkSeries && r.Param.Contains("stack=user") && r.Metric == "packets_per_s");
        Assert.True(rate.Verified == "pass", rate.Note);
        Assert.Equal(3, rate.Samples);
        Assert.Equal(["udp/mk-kernel", "udp/host"], RunMeta.Load(dir).Incomplete);
        Assert.True(WaitForWire(p.Pid, present: false, TimeSpan.FromSeconds(10)), $"the wire of pid {p.Pid} was left behind");
    }

    /// <summary>A second SIGTERM during a series on the wire ends the program at once and removes the wire first.</summary>
    [Fact]
    public void ASecondSigtermDuringASeriesOnTheWireRemovesTheWireAsTheProgramEnds()
    {
        using var p = StartInsideTheUdpSeriesOnTheWire(durationSeconds: 5, repetitions: 5, out _); // the series: 27 s
        p.Signal(ProgramProcess.SIGTERM);
        Assert.True(p.WaitFor("SIGTERM: stopping after the current series", Generous), p.Output);
        Assert.True(WaitForWire(p.Pid, present: true, TimeSpan.Zero), "the first SIGTERM removed the wire under the series");
        p.Signal(ProgramProcess.SIGTERM);
        int? exit = p.WaitForExit(TimeSpan.FromSeconds(30)); // the series alone would take 27 s more
        Assert.True(exit is not (null or 0 or ExitCode.Interrupted), $"exit {exit}:\n{p.Output}");
        Assert.False(WaitForWire(p.Pid, present: true, TimeSpan.Zero), $"the wire of pid {p.Pid} was left behind");
        Assert.Empty(ProgramProcess.WaitForEmptyGroup(p.Pid, TimeSpan.FromSeconds(30)));
        Assert.Empty(p.WaitForDescendantsGone(TimeSpan.FromSeconds(30))); // children in sessions of their own (wrk, lighttpd, Kestrel) too
    }

    /// <summary>
    /// Starts the io program's UDP series alone and returns once it measures over its veth wire: 800 ms after the wire
    /// exists, inside the series' 0.5 s warm-up or its first timed run. Skips without two cores or without veth.
    /// </summary>
    static ProgramProcess StartInsideTheUdpSeriesOnTheWire(int durationSeconds, int repetitions, out string outDir)
    {
        Assert.SkipUnless(TestCores.HasTwo, "the io program's user-stack series needs two cores; this process may use one");
        Assert.SkipWhen(SeriesWire.VethMissing is not null, SeriesWire.VethMissing ?? "");
        outDir = Path.Combine(TestCores.TempDir(), "run");
        var p = ProgramProcess.Start("IOWebserver.dll", "--only", "udp", "--duration", durationSeconds.ToString(CultureInfo.InvariantCulture),
            "--repetitions", repetitions.ToString(CultureInfo.InvariantCulture), "--cores", string.Join(',', TestCores.UpToTwo), "--out", outDir);
        try
        {
            // The namespaces appear before the wire's link is up: signal only once the series runs on a built wire.
            Assert.True(p.WaitFor("[io-webserver] 1/3 udp/mk", Generous), p.Output);
            Assert.True(WaitForWire(p.Pid, present: true, Generous), $"no wire of pid {p.Pid} appeared:\n{p.Output}");
            Thread.Sleep(800);
            return p;
        }
        catch
        {
            p.Dispose();
            throw;
        }
    }

    /// <summary>Waits until a wire namespace of process <paramref name="pid"/> exists (or none does); true if it came to be.</summary>
    static bool WaitForWire(int pid, bool present, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            bool any = Directory.Exists(NetNamespace.Root) && Directory.GetFiles(NetNamespace.Root, $"{VethWire.NamePrefix}{pid}-*").Length > 0;
            if (any == present) return true;
            if (clock.Elapsed >= timeout) return false;
            Thread.Sleep(50);
        }
    }

    [Fact]
    public void SigkillDuringTheLighttpdSeriesTakesLighttpdDownAndItsScratchFolderIsCleanedNextTime()
    {
        Assert.SkipUnless(TestCores.HasTwo, "the io program's web series need two cores; this process may use one");
        Assert.SkipWhen(IOWebserver.Tools.Lighttpd is null, "lighttpd is not installed (scripts/install-deps.sh test)");
        Assert.SkipWhen(IOWebserver.Tools.Wrk is null, "wrk is not installed (scripts/install-deps.sh test)");
        string outDir = Path.Combine(TestCores.TempDir(), "run");
        using var p = ProgramProcess.Start("IOWebserver.dll", "--only", "static", "--duration", "3", "--repetitions", "3", "--cores", string.Join(',', TestCores.UpToTwo), "--out", outDir);
        Assert.True(p.WaitFor("static/lighttpd", Generous), p.Output);
        Thread.Sleep(1000); // lighttpd is up and under load
        var lighttpd = p.LiveDescendants().Where(m => m.Contains("lighttpd", StringComparison.Ordinal)).ToList(); // in a session of its own
        Assert.NotEmpty(lighttpd);
        var scratch = Directory.GetDirectories(Path.GetTempPath(), $"io-webserver-lighttpd-{p.Pid}-*");
        Assert.NotEmpty(scratch);
        p.Signal(ProgramProcess.SIGKILL);
        Assert.Equal(128 + 9, p.WaitForExit(Generous));
        Assert.Empty(ProgramProcess.WaitForEmptyGroup(p.Pid, TimeSpan.FromSeconds(30)));
        Assert.Empty(p.WaitForDescendantsGone(TimeSpan.FromSeconds(30))); // lighttpd died with it
        Assert.True(ScratchFolder.RemoveStale("io-webserver-lighttpd") >= 1);
        Assert.All(scratch, d => Assert.False(Directory.Exists(d), $"{d} left behind"));
    }
}
