using Multikernel.Hardware;
using Multikernel.Urpc;

namespace Multikernel.Monitor;

/// <summary>
/// The TLB shootdown service installed on every core of a booted <see cref="MultikernelSystem"/>: it asks each
/// core's monitor for that core's broadcast buffer (written by that core and read by every other core; slots on the
/// writer's node, each reader's state on the reader's node), then creates a <see cref="ShootdownService"/> on every
/// core. The buffers belong to the monitors that allocated them and are freed when the system shuts down, so the
/// installation needs no disposal of its own.
/// </summary>
public sealed class ShootdownInstallation
{
    readonly BroadcastChannel?[] _broadcast;
    readonly ShootdownService[] _services;

    public ShootdownOptions Options { get; }
    public MachineTopology Topology { get; }
    public IReadOnlyList<int> CpuOfCore { get; }
    public int CoreCount => CpuOfCore.Count;

    ShootdownInstallation(MultikernelSystem mk, ShootdownOptions o)
    {
        Options = o;
        Topology = o.Topology ?? mk.Topology;
        CpuOfCore = mk.Cores;
        foreach (int cpu in CpuOfCore)
            if (!Topology.Contains(cpu)) throw new ArgumentException($"core {cpu} of the booted system is not in the routing topology ({Topology})", nameof(o));
        _broadcast = new BroadcastChannel?[mk.CoreCount];
        _services = new ShootdownService[mk.CoreCount];
    }

    /// <summary>Allocates the broadcast buffers through the monitors, creates the service on every core and waits until each has hooked itself in.</summary>
    public static ShootdownInstallation Install(MultikernelSystem mk, ShootdownOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mk);
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

    /// <summary>
    /// The service on core index <paramref name="core"/>. Core-local: use it only from code running on that core
    /// (e.g. inside <see cref="MultikernelSystem.CallOn{T}"/> for that core, or a dispatcher there).
    /// </summary>
    public ShootdownService On(int core) => _services[core];

    /// <summary>The broadcast buffer <paramref name="writer"/> writes (null on a one-core system, which has no readers).</summary>
    internal BroadcastChannel? BroadcastOf(int writer) => _broadcast[writer];

    /// <summary>Reader end of <paramref name="writer"/>'s buffer for core <paramref name="reader"/>.</summary>
    internal BroadcastReceiver ReaderOf(int writer, int reader) => _broadcast[writer]!.Reader(reader < writer ? reader : reader - 1);
}
