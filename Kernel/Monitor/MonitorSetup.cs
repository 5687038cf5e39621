using Multikernel.CoreProcesses;
using Multikernel.Monitor.Agreement;
using Multikernel.Urpc;

namespace Multikernel.Monitor;

/// <summary>
/// What boot hands one monitor besides its bindings: the RAM its core starts with, its broadcast buffer and its
/// readers of the other cores' buffers (the agreement protocol's broadcast route), and how the agreement and the TLB
/// are set up. Made by <see cref="MultikernelSystem"/> (thread mode) or the core process (process mode) before the core starts.
/// </summary>
internal sealed record MonitorSetup
{
    /// <summary>Physical range of this core's boot RAM (the monitor's CSpace holds it as one RAM capability); 0 bytes: none.</summary>
    public ulong RamBase { get; init; }
    public ulong RamBytes { get; init; }
    /// <summary>The buffer this core writes (null on a one-core system).</summary>
    public BroadcastChannel? Broadcast { get; init; }
    /// <summary>By writer core index: this core's reader of that core's buffer (null for itself).</summary>
    public required BroadcastReceiver?[] BroadcastReaders { get; init; }
    public required RoutingGrouping Grouping { get; init; }
    public required AgreementOptions Agreement { get; init; }
    public int TlbEntries { get; init; } = 64;
    /// <summary>This core's end of the binding with the memory server (its RAM cache's refills); null: none.</summary>
    public UrpcEndpoint? MemoryServer { get; init; }
    /// <summary>The core index the memory server runs on (its fault ends this core's refills).</summary>
    public int MemoryServerCore { get; init; }
    /// <summary>A refill from the memory server is 2^bits bytes.</summary>
    public int RefillBits { get; init; } = 20;
    /// <summary>Wraps the agreement transport (fault injection in tests); null: none.</summary>
    public Func<int, IAgreementTransport, IAgreementTransport>? AgreementTransport { get; init; }
    /// <summary>The images and requests the core knows by name (null: none).</summary>
    public CoreProgram? Program { get; init; }
    /// <summary>Process mode: the shared region the core process maps (channel memory; its page table maps domains' frames from it). Null in thread mode.</summary>
    public SharedRegion? Region { get; init; }
}
