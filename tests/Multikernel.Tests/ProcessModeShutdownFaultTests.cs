using System.Diagnostics;
using Multikernel.Monitor;

namespace Multikernel.Tests;

/// <summary>Process mode: a failure of the system that arrives while Shutdown is sending its stop messages (fault injection).</summary>
public class ProcessModeShutdownFaultTests
{
    const int SIGKILL = 9, SIGSTOP = 19;

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    static extern int kill(int pid, int sig);

    /// <summary>The pids of this process's children that run as core processes (their command line has the core flag).</summary>
    static int[] CoreProcessChildren()
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || ProcessModeTests.RunningParent(pid) != Environment.ProcessId) continue;
            try
            {
                if (File.ReadAllText($"{dir}/cmdline").Split('\0').Contains(CoreProcess.Flag)) found.Add(pid);
            }
            catch (IOException) { } // exited meanwhile
            catch (UnauthorizedAccessException) { }
        }
        return [.. found];
    }

    static MultikernelSystem BootTwoCores()
    {
        var cpus = CoreAffinity.AllowedCpus();
        Assert.SkipWhen(cpus.Count < 2, "process mode across cores needs two allowed CPUs");
        return MultikernelSystem.Boot(new MultikernelOptions
        {
            Cores = [cpus[0], cpus[1]],
            Mode = BootMode.ProcessPerCore,
            Program = TestCoreProgram.Instance,
            WaitPolicy = new WaitPolicy(20_000),
        });
    }

    /// <summary>Waits (at most 20 s) until core 0's process, which exits once it has its stop message, has exited: Shutdown is then waiting for core 1.</summary>
    static async Task WaitUntilCore0HasStopped(int pid, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (ProcessModeTests.IsRunning(pid) && clock.Elapsed < TimeSpan.FromSeconds(20)) await Task.Delay(10, ct);
        Assert.False(ProcessModeTests.IsRunning(pid), "core 0 did not exit after its stop message within 20 s");
    }

    /// <summary>
    /// A boot whose timeout passes while the supervisor is still launching the core processes (a timeout of 1 ms: the
    /// first launch alone takes longer) fails, and leaves no core process running: the shutdown after the failed boot
    /// used to kill the processes launched so far and then wait for the supervisor, which went on launching the rest.
    /// </summary>
    [Fact]
    public void ABootThatTimesOutWhileCoreProcessesAreLaunchedLeavesNoneRunning()
    {
        var cpus = CoreAffinity.AllowedCpus();
        Assert.SkipWhen(cpus.Count < 2, "process mode across cores needs two allowed CPUs");
        Assert.Empty(CoreProcessChildren());
        var error = Record.Exception(() => MultikernelSystem.Boot(new MultikernelOptions
        {
            Cores = [cpus[0], cpus[1]],
            Mode = BootMode.ProcessPerCore,
            Program = TestCoreProgram.Instance,
            BootTimeout = TimeSpan.FromMilliseconds(1),
        }).Dispose());
        Assert.NotNull(error);
        Assert.Contains("timed out", error.Message);
        // A core process that found no region exits by itself at once; one that runs lives until its boot process dies.
        var clock = Stopwatch.StartNew();
        int[] left;
        while ((left = CoreProcessChildren()).Length > 0 && clock.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(50);
        Assert.True(left.Length == 0, $"core process(es) {string.Join(',', left)} still running 10 s after the failed boot");
    }

    /// <summary>
    /// Core 1 is stopped (SIGSTOP) with its host port full, so Shutdown waits for room for core 1's stop message; then
    /// the system fails for another reason than a core process's exit (here: a message that is no reply on core 0's
    /// reply port, which core 0 left behind). Shutdown still finishes its work: it returns the failure as its error,
    /// with every core process gone and the shared region unmapped, instead of throwing out of the stop loop and leaving
    /// the region mapped and the supervisor thread running.
    /// </summary>
    [Fact]
    public async Task AFailureWhileShutdownWaitsForAFullPortStillEndsTheShutdown()
    {
        var ct = TestContext.Current.CancellationToken;
        var mk = BootTwoCores();
        var region = mk.Region!;
        var pids = mk.CoreProcessIds.ToArray();
        Assert.Equal(0, kill(pids[1], SIGSTOP));
        try
        {
            for (int i = 0; i < 16; i++) _ = mk.RequestAsync(1, TestCoreProgram.Where, default); // fills core 1's host port
            var shutdown = Task.Run(() => Record.Exception(() => mk.Shutdown(TimeSpan.FromSeconds(30))), ct);
            await WaitUntilCore0HasStopped(pids[0], ct); // Shutdown is then waiting for room in core 1's port
            Assert.False(shutdown.IsCompleted, "Shutdown ended before the failure was injected");
            Assert.True(region.HostPortFrom(0).Sender.TrySend(new MonitorMessages.Ping(1, 0)), "core 0's reply port had no room for the injected message");
            bool ended = await Task.WhenAny(shutdown, Task.Delay(TimeSpan.FromSeconds(25), ct)) == shutdown;
            Assert.True(ended, "Shutdown had not returned 25 s after the system failed");
            var error = await shutdown;
            Assert.True(error is InvalidOperationException && error.Message.Contains("reply port", StringComparison.Ordinal),
                $"Shutdown ended with {error?.GetType().Name ?? "no error"} ({error?.Message}), not the system's failure");
            Assert.True(region.IsDisposed, "Shutdown threw the failure out of its stop loop: the shared region is still mapped (and the supervisor still runs)");
        }
        finally
        {
            kill(pids[1], SIGKILL);
            mk.Dispose();
        }
    }

    /// <summary>
    /// A core process that dies while Shutdown waits for it to stop (core 1, stopped with SIGSTOP and its stop message
    /// in its port, killed with SIGKILL once core 0 has exited) fails the shutdown naming the core, the signal and the
    /// shutdown, instead of passing for a clean stop.
    /// </summary>
    [Fact]
    public async Task ACoreKilledWhileShutdownWaitsForItFailsTheShutdownNamingIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var mk = BootTwoCores();
        var pids = mk.CoreProcessIds.ToArray();
        Assert.Equal(0, kill(pids[1], SIGSTOP));
        try
        {
            var shutdown = Task.Run(() => Record.Exception(() => mk.Shutdown(TimeSpan.FromSeconds(30))), ct);
            await WaitUntilCore0HasStopped(pids[0], ct);
            Assert.False(shutdown.IsCompleted, "Shutdown ended while core 1 was stopped");
            Assert.Equal(0, kill(pids[1], SIGKILL));
            var error = await shutdown.WaitAsync(TimeSpan.FromSeconds(25), ct);
            Assert.True(error is CoreProcessExitedException { Core: 1 }, $"Shutdown ended with {error?.GetType().Name ?? "no error"} ({error?.Message}), not core 1's death");
            Assert.Contains("SIGKILL", error!.Message);
            Assert.Contains("during shutdown", error.Message);
        }
        finally
        {
            kill(pids[1], SIGKILL);
            mk.Dispose();
        }
    }
}
