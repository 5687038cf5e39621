using Multikernel.CoreProcesses;
using Multikernel.CpuDriver;
using Multikernel.Hardware;
using Multikernel.Monitor;
using Multikernel.Monitor.Agreement;
using Multikernel.Urpc;

namespace Multikernel;

/// <summary>What to boot: which cores, how big the monitors' rings are, how an idle core waits, the physical memory the capabilities manage, and how the monitors agree.</summary>
public sealed record MultikernelOptions
{
    /// <summary>OS CPU numbers to boot on, in core-index order (index 0 is the bootstrap core). Null: every allowed CPU.</summary>
    public IReadOnlyList<int>? Cores { get; init; }
    public int RingSlots { get; init; } = 16;
    /// <summary>How an idle CPU driver waits: its poll budget before it blocks on its notifier.</summary>
    public WaitPolicy WaitPolicy { get; init; } = WaitPolicy.Default;
    /// <summary>
    /// While a dispatcher of a core is runnable, the core's blocked dispatchers (its monitor, the memory server) are
    /// visited at most once per this time (<see cref="CpuDriverThread.BlockedVisitSlice"/>); zero: on every
    /// <see cref="CpuDriverThread.BlockedVisitInterval"/>-th round.
    /// </summary>
    public TimeSpan BlockedVisitSlice { get; init; } = CpuDriverThread.DefaultBlockedVisitSlice;
    /// <summary>How long the boot waits for each of its steps (the cores to come up, the monitors to answer): positive, at most a day.</summary>
    public TimeSpan BootTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>
    /// The machine's shape the monitors place channel memory by (each ring on its receiver's NUMA node). Null: this
    /// machine (<see cref="MachineTopology.Current"/>). Tests hand in a made-up machine to check the placement.
    /// </summary>
    public MachineTopology? Topology { get; init; }
    /// <summary>Threads (default) or one process per core.</summary>
    public BootMode Mode { get; init; } = BootMode.Threads;
    /// <summary>
    /// The program and the images and requests it knows by name. Required in process mode (it is the executable every
    /// core process runs); optional in thread mode, where it serves <see cref="MultikernelSystem.RequestAsync"/> and the
    /// named <see cref="MultikernelSystem.SpawnAsync(int, string, CoreArgs)"/>.
    /// </summary>
    public CoreProgram? Program { get; init; }
    /// <summary>Process mode: bytes of each core's arena in the shared region (its rings and buffers; reserved, touched only as used).</summary>
    public long ArenaBytesPerCore { get; init; } = 8L << 20;
    /// <summary>Process mode: bytes of domains' frames in the shared region (reserved, touched only as used).</summary>
    public long FrameBytes { get; init; } = 16L << 20;

    /// <summary>
    /// Size of the simulated physical memory that capabilities name (a multiple of 64 KiB). Allocated at boot with
    /// every page faulted in (a <see cref="NativeBlock"/>, first touched by the booting thread), so a boot commits all
    /// of it at once, whatever the objects later retyped from it use.
    /// </summary>
    public long PhysicalMemoryBytes { get; init; } = 256L << 20;
    /// <summary>RAM each core's monitor starts with (its first RAM capability, a multiple of 64 KiB); the rest of physical memory goes to the memory server on core 0.</summary>
    public long CoreRamBytes { get; init; } = 4L << 20;
    /// <summary>Slots of each core's broadcast buffer (the agreement protocol's broadcast route).</summary>
    public int BroadcastSlots { get; init; } = 16;
    /// <summary>What a multicast group is, for the agreement's routes (and so for the TLB shootdown).</summary>
    public RoutingGrouping Grouping { get; init; } = RoutingGrouping.Package;
    /// <summary>Entries of each core's software TLB.</summary>
    public int TlbEntries { get; init; } = 64;
    /// <summary>The agreement's timeouts, in cycles (null: a 500 ms vote timeout and a 50 ms retransmit interval).</summary>
    public AgreementOptions? Agreement { get; init; }
    /// <summary>Fault injection for tests: wraps each core's agreement transport (core index, the real transport). Null: none.</summary>
    public Func<int, IAgreementTransport, IAgreementTransport>? AgreementTransport { get; init; }

    /// <summary>The default agreement timeouts, in this machine's cycles.</summary>
    public static AgreementOptions DefaultAgreement() => new()
    {
        VoteTimeout = (long)CycleClock.FromNanoseconds(500e6),
        RetransmitInterval = (long)CycleClock.FromNanoseconds(50e6),
    };
}
