using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Experiments.Common;

namespace Compute.Tests;

/// <summary>
/// The compute program as a real process under SIGTERM: it stops after the run in progress, drops the benchmark and
/// core count that run belonged to (its group is listed as missing in meta.json), exits 130, and says so as it stops.
/// </summary>
public class ComputeInterruptionTests
{
    static readonly TimeSpan Generous = TimeSpan.FromSeconds(120);
    const int SIGTERM = 15;

    [DllImport("libc", SetLastError = true)]
    static extern int kill(int pid, int sig);

    [Fact]
    public void A_stop_signal_says_it_stops_after_the_current_run_and_drops_that_group()
    {
        string outDir = Path.Combine(Path.GetTempPath(), $"compute-stop-{Guid.NewGuid():N}");
        var output = new StringBuilder();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])[Path.Combine(AppContext.BaseDirectory, "Fig4_8.Compute.dll"), "--quick", "--bench", "is", "--class", "S",
                     "--runtime", "pinned", "--repetitions", "1000", "--cores", CoreList.Format(TestRuntimes.Cores(1)), "--out", outDir])
            psi.ArgumentList.Add(a);
        using var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
        string Output() { lock (output) return output.ToString(); }
        try
        {
            p.Start();
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            var clock = Stopwatch.StartNew();
            while (!Output().Contains("repetition 2/1000", StringComparison.Ordinal) && !p.HasExited && clock.Elapsed < Generous) Thread.Sleep(50);
            Assert.True(Output().Contains("repetition 2/1000", StringComparison.Ordinal), $"the sweep did not reach its second repetition:\n{Output()}");

            Assert.True(kill(p.Id, SIGTERM) == 0, $"kill({p.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
            Assert.True(p.WaitForExit(Generous), $"compute did not end after SIGTERM:\n{Output()}");
            p.WaitForExit();

            Assert.Equal(ExitCode.Interrupted, p.ExitCode);
            Assert.Contains("compute: SIGTERM: stopping after the current run; a benchmark and core count it leaves unfinished is not recorded", Output());
            var meta = RunMeta.Load(Path.Combine(outDir, "compute"));
            Assert.Equal("incomplete", meta.Status);
            Assert.Equal(["IS.S cores=1"], meta.Incomplete);
        }
        finally
        {
            if (!p.HasExited) p.Kill();
            if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
        }
    }
}
