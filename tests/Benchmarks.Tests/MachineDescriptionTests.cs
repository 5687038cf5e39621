using System.Diagnostics;
using Multikernel.Hardware;

namespace Benchmarks.Tests;

/// <summary>
/// The machine facts of a meta.json agree with each other: the "N logical cpus" of the Machine label is the
/// LogicalCpus field (the online CPUs the process may run on), not the runtime's Environment.ProcessorCount, which a
/// cgroup CPU quota or DOTNET_PROCESSOR_COUNT also changes. Checked through a real run of the benchmark program
/// (a filter that matches nothing: it writes its meta.json and ends), started with a ProcessorCount of its own.
/// </summary>
public class MachineDescriptionTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), "machine-description-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Machine_label_counts_the_logical_cpus_of_the_same_meta_json()
    {
        int usable = MachineTopology.Current.Cores.Count;
        string outDir = Path.Combine(_dir, "urpc-bench");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "exec", Path.Combine(AppContext.BaseDirectory, "Benchmarks.dll"), "run", "--short", "--filter", "*NoSuchBenchmark*", "--out", outDir })
            start.ArgumentList.Add(a);
        start.Environment.Remove("REPRO_MACHINE");
        // A runtime processor count that differs from the usable CPUs, as a CPU quota of usable + 1 ... 1 would give.
        start.Environment["DOTNET_PROCESSOR_COUNT"] = (usable + 1).ToString();
        using var p = Process.Start(start)!;
        var ct = TestContext.Current.CancellationToken;
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        try { await p.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromSeconds(120), ct); }
        catch (TimeoutException)
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail("the benchmark program did not end within 120 s (hang guard)");
        }
        Assert.True(File.Exists(Path.Combine(outDir, RunMeta.FileName)), $"no meta.json (exit {p.ExitCode}): {await stdout}{await stderr}");
        var meta = RunMeta.Load(outDir);
        Assert.Equal(usable, meta.LogicalCpus);
        Assert.EndsWith($", {meta.LogicalCpus} logical cpus)", meta.Machine);
    }
}
