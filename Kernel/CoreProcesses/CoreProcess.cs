using System.Globalization;
using System.Runtime.InteropServices;
using Multikernel.CpuDriver;
using Multikernel.Hardware;
using Multikernel.Monitor;
using Multikernel.Urpc;

namespace Multikernel.CoreProcesses;

/// <summary>
/// The entry point of a core process (process mode): the program's <c>Main</c> starts with
/// <code>if (CoreProcess.IsRequested(args)) return CoreProcess.Run(args, program);</code>
/// and the boot process starts one such process per core, confined to that core from exec on (the launching thread's
/// affinity, which the child inherits). The process then runs that core's CPU driver and monitor, connected to the
/// other cores only through the shared region (<see cref="SharedRegion"/>): its own address space, its own GC heap.
/// <para>Lifetime: it dies with the boot process (<c>PR_SET_PDEATHSIG</c> = SIGKILL, then a check that the boot
/// process is still its parent, which closes the race with a parent that died first); from the start of
/// <see cref="Run"/> on it runs in a process group of its own, so a Ctrl-C at the terminal reaches only the boot
/// process (whose program shuts the cores down if it handles Ctrl-C); it exits when its
/// monitor is told to shut down (exit code 0), or with 1 after a fault whose text it leaves in its error slots.</para>
/// </summary>
public static partial class CoreProcess
{
    /// <summary>The first argument of a core process's command line.</summary>
    public const string Flag = "--multikernel-core";

    /// <summary>Exit codes of a core process: done, faulted, bad command line, orphaned (the boot process died before it started), no region.</summary>
    public const int Done = 0, Faulted = 1, BadArguments = 2, Orphaned = 3, NoRegion = 4;

    /// <summary>True when this process was started as a core process of a process-mode system.</summary>
    public static bool IsRequested(string[] args) => args.Length > 0 && args[0] == Flag;

    /// <summary>The arguments the boot process passes: the flag, its pid, its descriptor of the region, the core index.</summary>
    internal static string[] Arguments(int bootPid, int regionFd, int core) =>
        [Flag, bootPid.ToString(CultureInfo.InvariantCulture), regionFd.ToString(CultureInfo.InvariantCulture), core.ToString(CultureInfo.InvariantCulture)];

    /// <summary>Runs this process as core <c>args[3]</c> of the system whose boot process started it, until that system shuts down.</summary>
    public static int Run(string[] args, CoreProgram program)
    {
        ArgumentNullException.ThrowIfNull(program);
        if (args.Length != 4 || args[0] != Flag
            || !int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out int bootPid)
            || !int.TryParse(args[2], NumberStyles.None, CultureInfo.InvariantCulture, out int fd)
            || !int.TryParse(args[3], NumberStyles.None, CultureInfo.InvariantCulture, out int core))
        {
            Console.Error.WriteLine($"core process: expected '{Flag} BOOT-PID REGION-FD CORE-INDEX', got '{string.Join(' ', args)}'");
            return BadArguments;
        }
        // Die with the boot process; if it is already gone (we were reparented before the call), stop now.
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        if (getppid() != bootPid) return Orphaned;
        setpgid(0, 0);

        SharedRegion region;
        try { region = SharedRegion.Open(bootPid, fd); }
        catch (Exception e)
        {
            Console.Error.WriteLine($"core process #{core}: {e.Message}");
            return NoRegion;
        }
        using (region)
        {
            try { return RunCore(region, core, program); }
            catch (Exception e)
            {
                region.WriteError(core, $"core process #{core} failed before its CPU driver ran: {e.GetType().Name}: {e.Message}");
                region.SetState(core, SharedRegion.StateFaulted);
                Console.Error.WriteLine($"core process #{core}: {e}");
                return Faulted;
            }
        }
    }

    static int RunCore(SharedRegion region, int core, CoreProgram program)
    {
        int n = region.CoreCount;
        if ((uint)core >= (uint)n) throw new ArgumentOutOfRangeException(nameof(core), core, $"the region has cores 0..{n - 1}");
        int[] cpus = region.Cpus();
        int cpu = cpus[core];
        var allowed = CoreAffinity.AllowedCpus();
        if (allowed.Count != 1 || allowed[0] != cpu)
            throw new InvalidOperationException($"started with affinity {CoreAffinity.FormatList(allowed)}; a core process must be confined to its core (CPU {cpu}) from exec on");
        var topology = MachineTopology.FromSysfs("/", cpus);

        using var driver = new CpuDriverThread(cpu, core, region.WaitPolicy, region.NotifierOf(core), region.BlockedVisitSlice);
        var readers = new BroadcastReceiver?[n];
        for (int writer = 0; writer < n; writer++)
            if (writer != core) readers[writer] = region.OpenBroadcastReader(region.BroadcastOf(writer), core);
        var monitor = new MonitorDispatcher(cpus, topology, new MonitorSetup
        {
            Program = program,
            Region = region,
            Broadcast = n > 1 ? region.OpenBroadcastWriter(region.BroadcastOf(core)) : null,
            BroadcastReaders = readers,
            Grouping = region.Grouping,
            Agreement = region.Agreement,
        });
        driver.Adopt(monitor);
        for (int peer = 0; peer < n; peer++)
            if (peer != core)
                monitor.ConnectPeer(peer, new UrpcEndpoint(region.MonitorRing(core, peer).Sender, region.MonitorRing(peer, core).Receiver));
        monitor.ConnectHost(region.HostPortInto(core).Receiver);
        monitor.ConnectHostReplies(region.HostPortFrom(core).Sender);

        driver.Start($"cpu{cpu}");
        driver.Started.Wait();
        if (driver.Fault != null) throw new InvalidOperationException($"the CPU driver did not come up: {driver.Fault.Message}", driver.Fault);
        region.SetPid(core, Environment.ProcessId);
        region.SetState(core, SharedRegion.StateUp);
        driver.Join(Timeout.InfiniteTimeSpan);
        if (driver.Fault is { } fault)
        {
            region.WriteError(core, $"the CPU driver of core #{core} (CPU {cpu}) stopped: {fault.GetType().Name}: {fault.Message}");
            region.SetState(core, SharedRegion.StateFaulted);
            return Faulted;
        }
        region.SetState(core, SharedRegion.StateStopped);
        return Done;
    }

    const int PR_SET_PDEATHSIG = 1, SIGKILL = 9;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);

    [LibraryImport("libc")]
    private static partial int getppid();

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setpgid(int pid, int pgid);
}
