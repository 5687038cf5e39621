using Multikernel.Hardware;
using Multikernel.Urpc;

namespace Multikernel.Monitor;

/// <summary>What the shootdown service is built with.</summary>
public sealed record TlbShootdownOptions
{
    /// <summary>Topology the routes are built from (null: the booted system's).</summary>
    public MachineTopology? Topology { get; init; }
    /// <summary>What a multicast group is.</summary>
    public RoutingGrouping Grouping { get; init; } = RoutingGrouping.Package;
    /// <summary>Entries of each core's software TLB.</summary>
    public int TlbEntries { get; init; } = 64;
    /// <summary>Slots of each core's broadcast buffer.</summary>
    public int BroadcastSlots { get; init; } = 16;
    public TimeSpan InstallTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Installs a <see cref="TlbShootdownService"/> on every core of a booted <see cref="MultikernelSystem"/> and owns
/// the broadcast buffers: one per core, written by that core and read by every other core, its slots on the writer's
/// node and each reader's state on the reader's node. The buffers are freed when the last core stops (each service
/// releases them from its stop upcall), so the system needs no disposal of its own.
/// </summary>
public sealed class TlbShootdownSystem
{
    readonly BroadcastChannel?[] _broadcast;
    readonly TlbShootdownService[] _services;
    int _running;

    public TlbShootdownOptions Options { get; }
    public MachineTopology Topology { get; }
    public IReadOnlyList<int> CpuOfCore { get; }
    public int CoreCount => CpuOfCore.Count;

    TlbShootdownSystem(MultikernelSystem mk, TlbShootdownOptions o)
    {
        Options = o;
        Topology = o.Topology ?? mk.Topology;
        CpuOfCore = mk.Cores;
        foreach (int cpu in CpuOfCore)
            if (!Topology.Contains(cpu)) throw new ArgumentException($"core {cpu} of the booted system is not in the routing topology ({Topology})", nameof(o));
        int n = mk.CoreCount;
        _broadcast = new BroadcastChannel[n];
        _services = new TlbShootdownService[n];
        if (n > 1)
            for (int c = 0; c < n; c++)
            {
                var readerNodes = Enumerable.Range(0, n).Where(r => r != c).Select(r => Topology[CpuOfCore[r]].NumaNode).ToArray();
                _broadcast[c] = new BroadcastChannel(o.BroadcastSlots, n - 1, Topology[CpuOfCore[c]].NumaNode, readerNodes);
            }
    }

    /// <summary>Creates the service on every core and waits until each has registered its handlers.</summary>
    public static TlbShootdownSystem Install(MultikernelSystem mk, TlbShootdownOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mk);
        var sys = new TlbShootdownSystem(mk, options ?? new TlbShootdownOptions());
        try
        {
            var installs = new Task<TlbShootdownService>[mk.CoreCount];
            for (int c = 0; c < mk.CoreCount; c++)
                installs[c] = mk.CallOn(c, m =>
                {
                    var service = TlbShootdownService.CreateOn(m, sys, sys.ReleaseOne);
                    Interlocked.Increment(ref sys._running); // this core now releases the buffers when it stops
                    return service;
                });
            if (!Task.WaitAll(installs, sys.Options.InstallTimeout))
                throw new TimeoutException($"the TLB shootdown service did not start on every core within {sys.Options.InstallTimeout.TotalSeconds} s");
            for (int c = 0; c < installs.Length; c++) sys._services[c] = installs[c].Result;
        }
        catch
        {
            // Cores that installed release the buffers when they stop; if none did, free them now.
            if (Volatile.Read(ref sys._running) == 0) sys.FreeBuffers();
            throw;
        }
        return sys;
    }

    /// <summary>
    /// The service on core index <paramref name="core"/>. Core-local: use it only from code running on that core
    /// (e.g. inside <see cref="MultikernelSystem.CallOn{T}"/> for that core, or a dispatcher there).
    /// </summary>
    public TlbShootdownService On(int core) => _services[core];

    /// <summary>The broadcast buffer <paramref name="writer"/> writes (null on a one-core system, which has no readers).</summary>
    internal BroadcastChannel? BroadcastOf(int writer) => _broadcast[writer];

    /// <summary>Reader end of <paramref name="writer"/>'s buffer for core <paramref name="reader"/>.</summary>
    internal BroadcastChannel.Reader ReaderOf(int writer, int reader) => _broadcast[writer]!.GetReader(reader < writer ? reader : reader - 1);

    void ReleaseOne()
    {
        if (Interlocked.Decrement(ref _running) == 0) FreeBuffers();
    }

    void FreeBuffers()
    {
        foreach (var b in _broadcast) b?.Dispose();
    }
}
