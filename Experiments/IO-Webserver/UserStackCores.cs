using Multikernel;
using Multikernel.Drivers;
using Multikernel.Hardware;
using Multikernel.Net.Cores;
using Multikernel.Net.Nic;
using Multikernel.Net.Stack;
using Multikernel.Net.Wire;
using Multikernel.Urpc;

namespace IOWebserver;

/// <summary>
/// The multikernel's user-level network path on the series' veth wire: a system booted on the given cores, the NIC
/// driver dispatcher on the first (it owns the AF_PACKET ring opened on the server's veth end in the server namespace)
/// and the stack dispatcher (<see cref="NetStackDispatcher"/>) on the second, or on the first as well when the system has
/// one core (the CPU driver then runs both in its rounds, and the binding between them is a URPC ring within the core),
/// bound by the monitors (<see cref="MultikernelSystem.BindAsync"/>). Frames cross between them only as descriptors; the stack builds its
/// frames in a transmit frame pool on its own NUMA node. The caller adds its server dispatchers and bindings between
/// <see cref="Boot"/> and <see cref="Start"/>.
/// </summary>
public sealed class UserStackCores : IDisposable
{
    /// <summary>Transmit frame buffers of the stack core: bounds the frames in flight to the driver.</summary>
    public const int TxFrames = 1024;
    /// <summary>
    /// URPC ring slots each way between driver and stack. With a V2 receive ring (1024 slots of the default geometry)
    /// this is more than the descriptors that can be in flight (the receive ring's frames and the pool's
    /// <see cref="TxFrames"/>). A V3 ring holds as many frames as fit in its blocks: with the kernel's 82-byte frame
    /// header, rounded to 16, a 42-byte frame takes 128 bytes, so a 32 KiB block holds 255 of them and the default 64
    /// blocks over 16,000 (up to 340 and 21,000 for bare headers). Under a burst of small frames more descriptors than
    /// this can be in flight, and the sender's URPC backlog holds the excess (in order, never dropped; the backlog
    /// grows by allocating on the sending core).
    /// </summary>
    public const int RingSlots = 4096;
    /// <summary>
    /// The stack's delayed ACK: a request's ACK waits this long for the response to ride on (the HTTP server answers
    /// from the same core within a round or two), so a kept-alive request costs one frame (a pure ACK) fewer.
    /// </summary>
    public const long DelayedAckMicroseconds = 500;

    readonly PacketRing _ring;
    readonly PacketPool _txFrames;
    readonly UrpcBinding _driverStack;
    RingNicDriver? _driver;
    NetStackDispatcher? _stack;
    (long Packets, long Drops, long Freezes)? _kernelStatistics;
    bool _stopped;

    public MultikernelSystem System { get; }
    public SeriesWire Wire { get; }
    public IReadOnlyList<int> Cores { get; }
    /// <summary>The system core index of the NIC driver dispatcher: always the first.</summary>
    public const int DriverIndex = 0;
    /// <summary>The system core index of the stack dispatcher: the second core, or the driver's when only one is given.</summary>
    public int StackIndex => Cores.Count > 1 ? 1 : 0;
    public RingNicDriver Driver => _driver ?? throw new InvalidOperationException("the user stack has not been started");
    public NetStackDispatcher Stack => _stack ?? throw new InvalidOperationException("the user stack has not been started");

    UserStackCores(SeriesWire wire, int[] cores, PacketRingOptions? ringOptions)
    {
        if (wire.Veth is not { } veth) throw new ArgumentException("the user-level stack runs on the veth wire, not on loopback", nameof(wire));
        Wire = wire;
        Cores = cores;
        _ring = veth.RunInServerNamespace(() => PacketRing.Open(VethWire.ServerInterface, ringOptions));
        try
        {
            _txFrames = new PacketPool(TxFrames, 2048, MachineTopology.Current.NumaNodeOf(cores[StackIndex]));
            System = MultikernelSystem.Boot(new MultikernelOptions { Cores = cores });
        }
        catch
        {
            _txFrames?.Dispose();
            _ring.Dispose();
            throw;
        }
        try { _driverStack = System.BindAsync(DriverIndex, StackIndex, RingSlots).GetAwaiter().GetResult(); } // the system frees it at shutdown
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <param name="cores">Driver core, stack core, then any further cores the caller's dispatchers use (all booted); a single core hosts driver and stack.</param>
    public static UserStackCores Boot(SeriesWire wire, int[] cores, PacketRingOptions? ringOptions = null)
    {
        if (cores.Length < 1) throw new ArgumentException("the user-level stack needs at least one core", nameof(cores));
        return new UserStackCores(wire, cores, ringOptions);
    }

    /// <summary>Starts the stack dispatcher (with <paramref name="application"/> on top) and then the driver.</summary>
    /// <param name="probe">Optional window of received frames over which the driver's and the stack's cores count their allocations.</param>
    public void Start(INetApplication application, int maxConnections, (long From, long To)? probe = null)
    {
        var veth = Wire.Veth!;
        var options = new NetStackOptions { Mac = veth.ServerMac, Address = veth.ServerAddress, Mtu = _ring.Mtu, MaxConnections = maxConnections, DelayedAckMicroseconds = DelayedAckMicroseconds };
        _stack = new NetStackDispatcher(options, _ring.ReceiveView, _txFrames, _driverStack.Server, application) { Probe = probe is { } p ? new AllocationProbe(p.From, p.To) : null };
        _driver = new RingNicDriver(_ring, _txFrames, _driverStack.Client) { Probe = probe is { } q ? new AllocationProbe(q.From, q.To) : null };
        System.SpawnAsync(0, StackIndex, () => _stack).Wait();
        System.SpawnAsync(0, DriverIndex, () => _driver).Wait();
    }

    /// <summary>The allocation probes of the driver's and the stack's core threads (null where not set).</summary>
    public (AllocationProbe? Driver, AllocationProbe? Stack) ProbeAllocations => (_driver?.Probe, _stack?.Probe);

    /// <summary>Stops every core (idempotent) and reads the ring's kernel counters.</summary>
    public void Stop()
    {
        if (_stopped) return;
        _stopped = true;
        System.Shutdown();
        _kernelStatistics = _ring.ReadKernelStatistics();
    }

    /// <summary>The driver's and the stack's own account (after <see cref="Stop"/>).</summary>
    public string Account()
    {
        if (_driver is not { } d || _stack is not { } s) return "user stack not started";
        var c = s.Stack.Counters;
        string kernel = _kernelStatistics is { } k ? $"kernel ring counters: {k.Packets} frames, {k.Drops} dropped for want of a free block" : "kernel ring counters not read";
        return $"NIC driver core {Cores[0]}: ring {_ring.Options.Version}, {d.FramesIn} frames in ({_ring.RxTruncated} truncated and {_ring.RxBlocksCut} blocks cut, dropped), {d.FramesOut} out, {d.RingFullWaits} waited for a transmit slot, {_ring.Kicks} kicks, {d.TxDoneMessages} TxDone messages; {kernel}; " +
               $"stack core {Cores[StackIndex]}: {c.FramesIn} frames in, {c.FramesOut} out, {s.ReleaseMessages} RxRelease messages, {c.Malformed} malformed, {c.NotForUs} not for us, {c.ArpRequestsAnswered} ARP requests answered, " +
               $"{c.UdpIn} UDP in, {c.UdpOut} out, {c.TcpAccepted} TCP accepted, {c.TcpRefused} refused, {c.TcpRetransmissions} retransmissions, {c.TxRingFull} times no transmit buffer";
    }

    public void Dispose()
    {
        try { Stop(); }
        finally
        {
            _txFrames.Dispose();
            _ring.Dispose();
        }
    }
}
