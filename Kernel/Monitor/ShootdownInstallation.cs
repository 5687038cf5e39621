using Multikernel.CoreProcesses;
using Multikernel.Hardware;
using Multikernel.Urpc;

namespace Multikernel.Monitor;

/// <summary>
/// The TLB shootdown service installed on every core of a booted <see cref="MultikernelSystem"/>: it asks each
/// core's monitor for that core's broadcast buffer (written by that core and read by every other core; slots on the
/// writer's node, each reader's state on the reader's node), then creates a <see cref="ShootdownService"/> on every
/// core. The buffers belong to the monitors that allocated them and are freed when the system shuts down, so the
/// installation needs no disposal of its own.
/// <para>Process mode: the same steps by registered request (<see cref="BroadcastRequest"/>, <see cref="InstallRequest"/>):
/// each monitor allocates its buffer in the shared region and answers with its name; each core then opens its writer
/// end and its readers from a table of names and creates its service over its own page table
/// (<see cref="MonitorDispatcher.PageTable"/>). The services live in the core processes; <see cref="On"/> is thread
/// mode only, and code on a core finds its service with <see cref="ShootdownService.Of"/>.</para>
/// </summary>
public sealed class ShootdownInstallation
{
    readonly BroadcastChannel?[] _broadcast;
    readonly ShootdownService[] _services;

    public ShootdownOptions Options { get; }
    public MachineTopology Topology { get; }
    public IReadOnlyList<int> CpuOfCore { get; }
    public int CoreCount => CpuOfCore.Count;

    ShootdownInstallation(MultikernelSystem mk, ShootdownOptions o, bool inCoreProcesses = false)
    {
        InCoreProcesses = inCoreProcesses;
        Options = o;
        Topology = o.Topology ?? mk.Topology;
        CpuOfCore = mk.Cores;
        foreach (int cpu in CpuOfCore)
            if (!Topology.Contains(cpu)) throw new ArgumentException($"core {cpu} of the booted system is not in the routing topology ({Topology})", nameof(o));
        _broadcast = new BroadcastChannel?[mk.CoreCount];
        _services = new ShootdownService[mk.CoreCount];
    }

    /// <summary>Process mode: a core's monitor allocates its broadcast buffer (W0: slots) and answers with its name.</summary>
    public const string BroadcastRequest = "kernel.shootdown.broadcast";
    /// <summary>Process mode: a core creates its service (W0: offset of the table of every core's buffer name, W1: grouping kind, W2: group size).</summary>
    public const string InstallRequest = "kernel.shootdown.install";

    /// <summary>True when the services live in core processes (process mode).</summary>
    public bool InCoreProcesses { get; }

    /// <summary>Allocates the broadcast buffers through the monitors, creates the service on every core and waits until each has hooked itself in.</summary>
    public static ShootdownInstallation Install(MultikernelSystem mk, ShootdownOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mk);
        if (mk.Mode == BootMode.ProcessPerCore) return InstallInProcesses(mk, options ?? new ShootdownOptions());
        var sys = new ShootdownInstallation(mk, options ?? new ShootdownOptions());
        var timeout = sys.Options.InstallTimeout;
        int n = mk.CoreCount;
        if (n > 1)
        {
            var buffers = new Task<BroadcastChannel>[n];
            for (int c = 0; c < n; c++)
                buffers[c] = mk.CreateBroadcastAsync(c, Enumerable.Range(0, n).Where(r => r != c).ToArray(), sys.Options.BroadcastSlots);
            if (!Task.WaitAll(buffers, timeout))
                throw new TimeoutException($"the monitors did not allocate the shootdown broadcast buffers within {timeout.TotalSeconds} s");
            for (int c = 0; c < n; c++) sys._broadcast[c] = buffers[c].Result;
        }
        var installs = new Task<ShootdownService>[n];
        for (int c = 0; c < n; c++) installs[c] = mk.CallOn(c, m => ShootdownService.CreateOn(m, sys));
        if (!Task.WaitAll(installs, timeout))
            throw new TimeoutException($"the TLB shootdown service did not start on every core within {timeout.TotalSeconds} s");
        for (int c = 0; c < n; c++) sys._services[c] = installs[c].Result;
        return sys;
    }

    static ShootdownInstallation InstallInProcesses(MultikernelSystem mk, ShootdownOptions o)
    {
        if (o.Topology != null)
            throw new ArgumentException("in process mode every core routes on the machine's own topology: a made-up ShootdownOptions.Topology works in thread mode only", nameof(o));
        var sys = new ShootdownInstallation(mk, o, inCoreProcesses: true);
        var region = mk.Region!;
        int n = mk.CoreCount;
        var table = region.AllocateHostBlock((nuint)(8 * n));
        if (n > 1)
        {
            var names = new Task<CoreArgs>[n];
            for (int c = 0; c < n; c++) names[c] = mk.RequestAsync(c, BroadcastRequest, new CoreArgs((ulong)o.BroadcastSlots));
            mk.WaitFor(() => names.All(t => t.IsCompleted), o.InstallTimeout, "the monitors to allocate the shootdown broadcast buffers");
            for (int c = 0; c < n; c++) table.Write(c, (long)names[c].Result.W0);
        }
        var installs = new Task<CoreArgs>[n];
        for (int c = 0; c < n; c++)
            installs[c] = mk.RequestAsync(c, InstallRequest, new CoreArgs((ulong)table.Offset, (ulong)o.Grouping.Kind, (ulong)o.Grouping.Size));
        mk.WaitFor(() => installs.All(t => t.IsCompleted), o.InstallTimeout, "the TLB shootdown service to start on every core");
        foreach (var t in installs) t.GetAwaiter().GetResult();
        return sys;
    }

    /// <summary>The process-mode requests, registered in every core program.</summary>
    internal static void AddRequestsTo(CoreProgram program)
    {
        program.AddKernelRequest(BroadcastRequest, static (m, a, reply) =>
        {
            var readers = Enumerable.Range(0, m.CoreCount).Where(r => r != m.CoreIndex).ToArray();
            reply.Complete(new CoreArgs((ulong)m.CreateSharedBroadcast(readers, (int)a.W0)));
        });
        program.AddKernelRequest(InstallRequest, static (m, a, reply) =>
        {
            var region = m.Region ?? throw new InvalidOperationException($"{InstallRequest} is a process-mode request");
            int n = m.CoreCount, me = m.CoreIndex;
            BroadcastChannel? outgoing = null;
            var readers = new BroadcastReceiver?[n];
            if (n > 1)
            {
                var names = region.Block((long)a.W0, (nuint)(8 * n));
                outgoing = region.OpenBroadcastWriter(names.Read(me));
                for (int c = 0; c < n; c++)
                    if (c != me) readers[c] = region.OpenBroadcastReader(names.Read(c), me);
            }
            var grouping = new RoutingGrouping((RoutingGroupKind)a.W1, (int)a.W2);
            ShootdownService.CreateOn(m, outgoing, readers, m.PageTable, m.Topology, m.Cores, grouping);
            reply.Complete();
        });
    }

    /// <summary>
    /// The service on core index <paramref name="core"/> (thread mode). Core-local: use it only from code running on
    /// that core (e.g. inside <see cref="MultikernelSystem.CallOn{T}"/> for that core, or a dispatcher there).
    /// </summary>
    public ShootdownService On(int core) => InCoreProcesses
        ? throw new InvalidOperationException("in process mode each core's service lives in its core process: reach it there with ShootdownService.Of(monitor) from a registered request")
        : _services[core];

    /// <summary>The broadcast buffer <paramref name="writer"/> writes (null on a one-core system, which has no readers).</summary>
    internal BroadcastChannel? BroadcastOf(int writer) => _broadcast[writer];

    /// <summary>Reader end of <paramref name="writer"/>'s buffer for core <paramref name="reader"/>.</summary>
    internal BroadcastReceiver ReaderOf(int writer, int reader) => _broadcast[writer]!.Reader(reader < writer ? reader : reader - 1);
}
