using System.Diagnostics;
using System.Runtime.InteropServices;
using Multikernel.Drivers;
using static Multikernel.Net.Nic.PacketSocketCalls;

namespace Multikernel.Net.Nic;

/// <summary>
/// The NIC driver's descriptor rings: an AF_PACKET socket bound to one interface with a PACKET_MMAP receive ring and
/// transmit ring (TPACKET_V3 by default, or TPACKET_V2: <see cref="PacketRingOptions.Version"/>), both mapped into
/// this process. The kernel is the "NIC": it writes received frames into the ring and sends the transmit slots the
/// driver has marked.
/// <para>Receive is polled without system calls: <see cref="TryReceive"/> reads a status word in the mapped ring
/// (acquire): with V3 that of the current block, whose frames it then walks; with V2 that of the next frame slot. A
/// frame stays where the kernel wrote it; <see cref="RxFrame"/> names it, <see cref="Frame"/> reads it, and
/// <see cref="Release"/> gives it back (status word written with release): a V2 slot at once, a V3 block once every
/// frame taken from it has been released, in any order.</para>
/// <para>Transmit: <see cref="BeginFrame"/> hands out the next free slot's buffer, <see cref="CommitFrame"/> marks it
/// for sending, and <see cref="Kick"/> makes one sendto(NULL) system call that sends every marked slot (batched).
/// A slot becomes free again when the kernel has released the frame. With <see cref="PacketRingOptions.LinearTransmit"/>
/// each slot's frame follows a virtio_net_hdr that makes the kernel copy it whole into the socket buffer.</para>
/// <para>Ownership: one thread (the driver's core) calls everything except <see cref="Dispose"/>'s caller, which must
/// be the same thread or run after it stopped. Nothing here allocates after <see cref="Open"/>.</para>
/// </summary>
public sealed unsafe class PacketRing : IFrameTransmitter, IDisposable
{
    readonly int _fd;
    readonly byte* _map;
    readonly nuint _mapBytes;
    readonly byte* _rx;
    readonly int _rxBlockSize, _rxBlockCount;
    readonly byte* _tx;
    readonly int _txFrameSize, _txFrameCount, _txFramesPerBlock, _txBlockSize, _txDataOffset;
    readonly bool _v3;
    readonly int _rxFrameSize, _rxFramesPerBlock, _rxFrameCount;   // V2 receive slots
    readonly int _txStatusOffset, _txLengthOffset;
    readonly int _vnetBytes;       // the virtio_net_hdr ahead of every frame (PACKET_VNET_HDR), or 0
    // V3: per receive block, frames handed out and not yet released (-1 = owned by the kernel).
    // V2: per receive slot, 1 while handed out, -1 while owned by the kernel.
    readonly int[] _outstanding;

    int _rxBlock;          // V3: the block to read next; V2: the slot to read next
    int _rxLeft;           // frames of the current (opened) block not yet handed out; 0 = next block not opened
    byte* _rxNext;         // the next frame header in the current block
    int _txHead;           // the next transmit slot to fill
    bool _txBegun;
    bool _kickNeeded;
    int _lastCommitted = -1;
    int _disposed;

    public string InterfaceName { get; }
    public int InterfaceIndex { get; }
    public MacAddress MacAddress { get; }
    public int Mtu { get; }
    /// <summary>The socket's descriptor, for a wait policy that blocks in poll(2) when there is nothing to do.</summary>
    public int FileDescriptor => _fd;
    public PacketRingOptions Options { get; }

    public long Received { get; private set; }
    /// <summary>Frames longer than a receive block could hold (the kernel cut them): skipped, never handed out.</summary>
    public long RxTruncated { get; private set; }
    /// <summary>V3 blocks whose frame count or header offsets lead outside the block or do not advance: the walk stopped
    /// there and the block's remaining frames were dropped, never handed out.</summary>
    public long RxBlocksCut { get; private set; }
    public long Transmitted { get; private set; }
    /// <summary>Times <see cref="BeginFrame"/> found no free transmit slot.</summary>
    public long TxRingFull { get; private set; }
    public long Kicks { get; private set; }
    /// <summary>sendto(NULL) calls that the kernel refused for now (no socket buffer); the frames stay marked and go with the next kick.</summary>
    public long KickDeferred { get; private set; }

    PacketRing(string name, int fd, int ifindex, MacAddress mac, int mtu, PacketRingOptions o, byte* map, nuint mapBytes, int txDataOffset)
    {
        InterfaceName = name;
        _fd = fd;
        InterfaceIndex = ifindex;
        MacAddress = mac;
        Mtu = mtu;
        Options = o;
        _map = map;
        _mapBytes = mapBytes;
        _rx = map;
        _rxBlockSize = o.RxBlockSize;
        _rxBlockCount = o.RxBlockCount;
        _tx = map + (nint)o.RxBlockSize * o.RxBlockCount;
        _txFrameSize = o.TxFrameSize;
        _txFrameCount = o.TxFrameCount;
        _txBlockSize = o.TxBlockSize;
        _txFramesPerBlock = o.TxBlockSize / o.TxFrameSize;
        _txDataOffset = txDataOffset;
        _v3 = o.Version == PacketRingVersion.V3;
        _rxFrameSize = o.RxFrameSize;
        _rxFramesPerBlock = o.RxBlockSize / o.RxFrameSize;
        _rxFrameCount = _rxFramesPerBlock * o.RxBlockCount;
        _txStatusOffset = _v3 ? FrameStatusOffset : V2StatusOffset;
        _txLengthOffset = _v3 ? FrameLengthOffset : V2LengthOffset;
        _vnetBytes = o.LinearTransmit ? VnetHeaderBytes : 0;
        _outstanding = new int[_v3 ? o.RxBlockCount : _rxFrameCount];
        Array.Fill(_outstanding, -1);
    }

    /// <summary>
    /// Opens the rings on <paramref name="interfaceName"/> in the calling thread's network namespace (call it inside
    /// <see cref="Wire.VethWire.RunInServerNamespace{T}"/>). Needs CAP_NET_RAW. Throws <see cref="IOException"/>
    /// naming the failing call.
    /// </summary>
    public static PacketRing Open(string interfaceName, PacketRingOptions? options = null)
    {
        var o = options ?? new PacketRingOptions();
        o.Validate();
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
            throw new PlatformNotSupportedException($"the tpacket layouts here are x86-64's; this process runs on {RuntimeInformation.ProcessArchitecture}");
        if (interfaceName.Length is 0 or > 15) throw new ArgumentException($"interface name '{interfaceName}' must have 1 to 15 characters", nameof(interfaceName));

        int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0); // protocol 0: nothing arrives before bind
        if (fd < 0) throw new IOException($"socket(AF_PACKET, SOCK_RAW) failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())} (needs CAP_NET_RAW: run as root)");
        byte* map = null;
        nuint mapBytes = 0;
        try
        {
            InterfaceRequest ifr = Request(interfaceName);
            if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) throw Failure($"ioctl(SIOCGIFINDEX, {interfaceName}) (no such interface in this namespace?)");
            int ifindex = *(int*)ifr.Union;
            ifr = Request(interfaceName);
            if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) throw Failure($"ioctl(SIOCGIFHWADDR, {interfaceName})");
            var mac = MacAddress.Read(new ReadOnlySpan<byte>(ifr.Union + 2, 6)); // sockaddr: family, then the address
            ifr = Request(interfaceName);
            if (ioctl(fd, SIOCGIFMTU, &ifr) < 0) throw Failure($"ioctl(SIOCGIFMTU, {interfaceName})");
            int mtu = *(int*)ifr.Union;
            if (mtu + 14 > o.TxFrameSize - 64) throw new ArgumentException($"interface {interfaceName} has MTU {mtu}: TxFrameSize {o.TxFrameSize} cannot hold a full frame plus the slot header");

            int version = o.Version == PacketRingVersion.V3 ? TPACKET_V3 : TPACKET_V2;
            SetInt(fd, SOL_PACKET, PACKET_VERSION, version, $"PACKET_VERSION=TPACKET_{o.Version}");
            SetInt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING");
            SetInt(fd, SOL_PACKET, PACKET_LOSS, 1, "PACKET_LOSS"); // a slot the kernel cannot send is skipped, not a stalled ring
            if (o.BypassQdisc) SetInt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, 1, "PACKET_QDISC_BYPASS");
            // Before the rings exist (the kernel refuses it after). On receive the header sits before each frame's MAC
            // offset, which the driver reads from the slot, so only transmit changes.
            if (o.LinearTransmit) SetInt(fd, SOL_PACKET, PACKET_VNET_HDR, 1, "PACKET_VNET_HDR");
            // Every frame in flight is charged to the socket's send buffer: make room for the whole ring.
            int sndbuf = o.TxFrameCount * o.TxFrameSize * 2;
            if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(int)) < 0) SetInt(fd, SOL_SOCKET, SO_SNDBUF, sndbuf, "SO_SNDBUF");

            int hdrlen = version;
            uint len = sizeof(int);
            if (getsockopt(fd, SOL_PACKET, PACKET_HDRLEN, &hdrlen, &len) < 0) throw Failure("getsockopt(PACKET_HDRLEN)");
            // A transmit frame starts TPACKET_ALIGN(sizeof(tpacketN_hdr)) into its slot (tpacket_parse_header).
            int txDataOffset = (hdrlen + TPACKET_ALIGNMENT - 1) & ~(TPACKET_ALIGNMENT - 1);

            var rx = new RingRequest
            {
                BlockSize = (uint)o.RxBlockSize, BlockCount = (uint)o.RxBlockCount,
                FrameSize = (uint)o.RxFrameSize, FrameCount = (uint)(o.RxBlockSize / o.RxFrameSize * o.RxBlockCount),
                RetireTimeoutMs = version == TPACKET_V3 ? (uint)o.RetireTimeoutMs : 0,
            };
            // tpacket_req (V2) is the first four words of tpacket_req3.
            uint reqBytes = version == TPACKET_V3 ? (uint)sizeof(RingRequest) : 16;
            if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &rx, reqBytes) < 0) throw Failure("setsockopt(PACKET_RX_RING)");
            var tx = new RingRequest
            {
                BlockSize = (uint)o.TxBlockSize, BlockCount = (uint)(o.TxFrameCount / (o.TxBlockSize / o.TxFrameSize)),
                FrameSize = (uint)o.TxFrameSize, FrameCount = (uint)o.TxFrameCount,
            };
            if (setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &tx, reqBytes) < 0) throw Failure("setsockopt(PACKET_TX_RING)");

            mapBytes = (nuint)o.RxBlockSize * (nuint)o.RxBlockCount + (nuint)o.TxBlockSize * tx.BlockCount;
            map = (byte*)mmap(null, mapBytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
            if (map == (byte*)-1) { map = null; throw Failure("mmap(packet rings)"); }

            var sll = new SockaddrLl { Family = AF_PACKET, Protocol = (ushort)(ETH_P_ALL << 8 | ETH_P_ALL >> 8), InterfaceIndex = ifindex };
            if (bind(fd, &sll, (uint)sizeof(SockaddrLl)) < 0) throw Failure($"bind(AF_PACKET, {interfaceName})");
            return new PacketRing(interfaceName, fd, ifindex, mac, mtu, o, map, mapBytes, txDataOffset);
        }
        catch
        {
            if (map != null) munmap(map, mapBytes);
            close(fd);
            throw;
        }
    }

    static InterfaceRequest Request(string name)
    {
        var r = new InterfaceRequest();
        for (int i = 0; i < name.Length; i++) r.Name[i] = (byte)name[i];
        return r;
    }

    static void SetInt(int fd, int level, int name, int value, string what)
    {
        if (setsockopt(fd, level, name, &value, sizeof(int)) < 0) throw Failure($"setsockopt({what})");
    }

    // ---- receive ----

    byte* Block(int b) => _rx + (nint)b * _rxBlockSize;

    byte* Slot(int i) => Block(i / _rxFramesPerBlock) + (nint)(i % _rxFramesPerBlock) * _rxFrameSize;

    /// <summary>True when a received frame is waiting (one acquire load of a status word; no system call).</summary>
    public bool HasReceived => _v3
        ? _rxLeft > 0 || _outstanding[_rxBlock] == -1 && (Volatile.Read(ref *(uint*)(Block(_rxBlock) + BlockStatusOffset)) & TP_STATUS_USER) != 0
        : _outstanding[_rxBlock] == -1 && (Volatile.Read(ref *(uint*)(Slot(_rxBlock) + V2StatusOffset)) & TP_STATUS_USER) != 0;

    /// <summary>Takes the next received frame; false when the kernel has handed over none, or when the next slot (V2)
    /// or block (V3) is one the driver still holds (every frame in the ring is out). The caller must <see cref="Release"/> it.</summary>
    public bool TryReceive(out RxFrame frame) => _v3 ? TryReceiveV3(out frame) : TryReceiveV2(out frame);

    bool TryReceiveV2(out RxFrame frame)
    {
        while (true)
        {
            int i = _rxBlock;
            byte* h = Slot(i);
            // A slot the driver still holds keeps TP_STATUS_USER until its Release: the ring has wrapped to it and
            // nothing new is behind it (the kernel fills slots in order and stops at one it does not own).
            if (_outstanding[i] != -1)
            {
                frame = default;
                return false;
            }
            uint status = Volatile.Read(ref *(uint*)(h + V2StatusOffset));
            if ((status & TP_STATUS_USER) == 0)
            {
                frame = default;
                return false;
            }
            _rxBlock = i + 1 == _rxFrameCount ? 0 : i + 1;
            uint snap = *(uint*)(h + V2SnapLengthOffset), length = *(uint*)(h + V2LengthOffset);
            int mac = *(ushort*)(h + V2MacOffset);
            if (snap < length || mac + (long)snap > _rxFrameSize)
            {
                RxTruncated++;
                Volatile.Write(ref *(uint*)(h + V2StatusOffset), TP_STATUS_KERNEL);
                continue;
            }
            _outstanding[i] = 1;
            Received++;
            frame = new RxFrame(i, mac, (int)snap, Flags(status));
            return true;
        }
    }

    static RxFrameFlags Flags(uint status) =>
        ((status & TP_STATUS_CSUMNOTREADY) != 0 ? RxFrameFlags.ChecksumPartial : 0) | ((status & TP_STATUS_CSUM_VALID) != 0 ? RxFrameFlags.ChecksumVerified : 0);

    bool TryReceiveV3(out RxFrame frame)
    {
        while (true)
        {
            if (_rxLeft == 0)
            {
                byte* block = Block(_rxBlock);
                // A block with frames still out keeps TP_STATUS_USER until the last of them is released: the ring
                // has wrapped to it and nothing new is behind it (the kernel fills blocks in order).
                if (_outstanding[_rxBlock] != -1 || (Volatile.Read(ref *(uint*)(block + BlockStatusOffset)) & TP_STATUS_USER) == 0)
                {
                    frame = default;
                    return false;
                }
                // The walk reads only headers that lie wholly inside the block, each after the one before: a count or
                // an offset that breaks this (never written by a sound kernel) cuts the block there.
                uint n = *(uint*)(block + BlockNumPacketsOffset), first = *(uint*)(block + BlockFirstPacketOffset);
                if (n == 0 || n > (uint)(_rxBlockSize / FrameHeaderBytes) || first < BlockFirstPacketOffset + 4 || first > (uint)(_rxBlockSize - FrameHeaderBytes))
                {
                    if (n != 0) RxBlocksCut++;
                    ReturnBlock(_rxBlock);
                    AdvanceBlock();
                    continue;
                }
                _outstanding[_rxBlock] = (int)n;
                _rxLeft = (int)n;
                _rxNext = block + first;
            }
            byte* h = _rxNext;
            int blockIndex = _rxBlock;
            uint snap = *(uint*)(h + FrameSnapLengthOffset), length = *(uint*)(h + FrameLengthOffset), status = *(uint*)(h + FrameStatusOffset);
            int at = (int)(h - Block(blockIndex));
            int offset = at + *(ushort*)(h + FrameMacOffset);
            if (--_rxLeft > 0)
            {
                uint next = *(uint*)(h + FrameNextOffset);
                if (next >= FrameHeaderBytes && at + (long)next <= _rxBlockSize - FrameHeaderBytes) _rxNext = h + next;
                else
                {
                    // This frame is still out (handed out or released below); the ones the count promised after it are not.
                    RxBlocksCut++;
                    _outstanding[blockIndex] -= _rxLeft;
                    _rxLeft = 0;
                    AdvanceBlock();
                }
            }
            else AdvanceBlock();
            if (snap < length || offset + (long)snap > _rxBlockSize)
            {
                RxTruncated++;
                Release(new RxFrame(blockIndex, 0, 0, RxFrameFlags.None));
                continue;
            }
            Received++;
            frame = new RxFrame(blockIndex, offset, (int)snap, Flags(status));
            return true;
        }
    }

    void AdvanceBlock() => _rxBlock = _rxBlock + 1 == _rxBlockCount ? 0 : _rxBlock + 1;

    /// <summary>The bytes of a frame taken by <see cref="TryReceive"/> and not yet released.</summary>
    public ReadOnlySpan<byte> Frame(in RxFrame frame)
    {
        Debug.Assert(_outstanding[frame.Block] > 0, "reading a frame that is back with the kernel");
        return new ReadOnlySpan<byte>((_v3 ? Block(frame.Block) : Slot(frame.Block)) + frame.Offset, frame.Length);
    }

    /// <summary>
    /// A read-only view of the receive ring's memory for the core that processes the frames (the stack core): it
    /// turns a descriptor into the frame's bytes and holds nothing of the driver's state, as a NIC's receive buffers
    /// are readable by whoever the driver hands a descriptor to.
    /// </summary>
    public RxRingView ReceiveView => new(_rx, Options);

    /// <summary>The receive ring's first byte (block 0 or slot 0), for a test that writes a descriptor as a faulty kernel would.</summary>
    internal byte* ReceiveRingStart => _rx;

    /// <summary>Gives a frame back: a V2 slot returns to the kernel at once, a V3 block when the last of its frames has been given back.</summary>
    public void Release(in RxFrame frame)
    {
        if ((uint)frame.Block >= (uint)_outstanding.Length || _outstanding[frame.Block] <= 0)
            throw new InvalidOperationException($"receive {(_v3 ? "block" : "slot")} {frame.Block} has no frame out: a frame was released twice or was never taken");
        if (!_v3)
        {
            _outstanding[frame.Block] = -1;
            Volatile.Write(ref *(uint*)(Slot(frame.Block) + V2StatusOffset), TP_STATUS_KERNEL);
            return;
        }
        if (--_outstanding[frame.Block] == 0) ReturnBlock(frame.Block);
    }

    void ReturnBlock(int b)
    {
        _outstanding[b] = -1;
        Volatile.Write(ref *(uint*)(Block(b) + BlockStatusOffset), TP_STATUS_KERNEL);
    }

    /// <summary>Blocks in poll(2) until a frame arrives or <paramref name="timeoutMs"/> passes (the sleeping half of a wait policy).</summary>
    public bool WaitForFrames(int timeoutMs)
    {
        if (HasReceived) return true;
        var p = new SocketCalls.PollFd { Fd = _fd, Events = SocketCalls.POLLIN };
        SocketCalls.Poll(&p, 1, timeoutMs);
        return HasReceived;
    }

    // ---- transmit ----

    byte* TxSlot(int i) => _tx + (nint)(i / _txFramesPerBlock) * _txBlockSize + (nint)(i % _txFramesPerBlock) * _txFrameSize;

    public int MaxFrameLength => Mtu + 14;

    /// <summary>The next free transmit slot's frame buffer, or an empty span when every slot is still queued or in flight.</summary>
    public Span<byte> BeginFrame()
    {
        byte* slot = TxSlot(_txHead);
        if (Volatile.Read(ref *(uint*)(slot + _txStatusOffset)) != TP_STATUS_AVAILABLE)
        {
            _txBegun = false;
            TxRingFull++;
            return default;
        }
        _txBegun = true;
        return new Span<byte>(slot + _txDataOffset + _vnetBytes, MaxFrameLength);
    }

    /// <summary>Marks the slot from the last <see cref="BeginFrame"/> for sending; it leaves with the next <see cref="Kick"/>.</summary>
    public void CommitFrame(int length)
    {
        if (!_txBegun) throw new InvalidOperationException("CommitFrame without a frame begun by BeginFrame");
        if ((uint)length > (uint)MaxFrameLength || length < 14) throw new ArgumentOutOfRangeException(nameof(length), length, $"a frame has 14 to {MaxFrameLength} bytes");
        _txBegun = false;
        byte* slot = TxSlot(_txHead);
        if (_vnetBytes != 0)
        {
            // No offload (flags, gso_type, gso_size, csum_* zero); hdr_len = the whole frame, so the kernel copies all of it.
            byte* vnet = slot + _txDataOffset;
            new Span<byte>(vnet, VnetHeaderBytes).Clear();
            *(ushort*)(vnet + VnetHeaderLengthOffset) = (ushort)length;
        }
        *(uint*)(slot + _txLengthOffset) = (uint)(length + _vnetBytes);
        if (_v3) *(uint*)(slot + FrameNextOffset) = 0;
        Volatile.Write(ref *(uint*)(slot + _txStatusOffset), TP_STATUS_SEND_REQUEST);
        _lastCommitted = _txHead;
        _txHead = _txHead + 1 == _txFrameCount ? 0 : _txHead + 1;
        _kickNeeded = true;
        Transmitted++;
    }

    /// <summary>True when committed frames wait for a <see cref="Kick"/>.</summary>
    public bool KickNeeded => _kickNeeded;

    /// <summary>One sendto(fd, NULL, 0, MSG_DONTWAIT): the kernel sends every slot marked since the last kick. No-op when none is marked.</summary>
    public void Kick()
    {
        if (!_kickNeeded) return;
        Kicks++;
        nint n = sendto(_fd, null, 0, MSG_DONTWAIT, null, 0);
        if (n < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno is not (EAGAIN or EINTR or ENOBUFS)) throw Failure("sendto(packet tx ring)");
        }
        // The kernel stops early when the socket's send buffer is full; what it left marked goes with the next kick.
        _kickNeeded = Volatile.Read(ref *(uint*)(TxSlot(_lastCommitted) + _txStatusOffset)) == TP_STATUS_SEND_REQUEST;
        if (_kickNeeded) KickDeferred++;
    }

    /// <summary>The kernel's receive counters since the last call (getsockopt PACKET_STATISTICS, which resets them): frames seen, frames dropped because no block was free, and times the ring froze.</summary>
    public (long Packets, long Drops, long Freezes) ReadKernelStatistics()
    {
        StatsV3 s = default; // V2 fills the first two words only
        uint len = (uint)sizeof(StatsV3);
        if (getsockopt(_fd, SOL_PACKET, PACKET_STATISTICS, &s, &len) < 0) throw Failure("getsockopt(PACKET_STATISTICS)");
        return (s.Packets, s.Drops, s.FreezeCount);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        munmap(_map, _mapBytes);
        close(_fd);
    }
}
