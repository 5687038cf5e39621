
namespace Multikernel.Tests.Net;

/// <summary>An <see cref="IFrameTransmitter"/> that keeps what the stack sends in preallocated slots (no allocation while capturing).</summary>
internal sealed class CaptureTransmitter(int slots = 4096, int frameBytes = 1514) : IFrameTransmitter
{
    readonly byte[][] _slots = Enumerable.Range(0, slots).Select(_ => new byte[frameBytes]).ToArray();
    readonly int[] _lengths = new int[slots];
    int _count;

    /// <summary>When set, at most this many frames are taken before <see cref="Drain"/> (a full transmit ring).</summary>
    public int? Limit { get; set; }
    public int MaxFrameLength => frameBytes;
    public int Pending => _count;

    public Span<byte> BeginFrame() => _count < (Limit ?? _slots.Length) ? _slots[_count] : default;

    public void CommitFrame(int length) => _lengths[_count++] = length;

    public List<SentFrame> Drain()
    {
        var list = new List<SentFrame>(_count);
        for (int i = 0; i < _count; i++) list.Add(new SentFrame(_slots[i].AsSpan(0, _lengths[i]).ToArray()));
        _count = 0;
        return list;
    }

    /// <summary>Forgets the captured frames without copying them.</summary>
    public void Discard() => _count = 0;
}

/// <summary>A stack on a captured transmitter with a test-controlled clock, and the peer that talks to it.</summary>
internal sealed class StackHarness : IDisposable
{
    public static readonly MacAddress StackMac = MacAddress.Parse("02:00:00:00:00:01");
    public static readonly MacAddress PeerMac = MacAddress.Parse("02:00:00:00:00:02");
    public static readonly Ipv4Address StackIp = new(169, 254, 1, 1);
    public static readonly Ipv4Address PeerIp = new(169, 254, 1, 2);

    public NetStack Stack { get; }
    public CaptureTransmitter Tx { get; }
    public long Now { get; private set; } = 1_000_000;

    public StackHarness(Func<NetStackOptions, NetStackOptions>? configure = null, int txSlots = 4096)
    {
        var o = new NetStackOptions { Mac = StackMac, Address = StackIp, IsnSeed = 42, MaxConnections = 64, ReceiveBufferBytes = 8192, SendBufferBytes = 16384 };
        Tx = new CaptureTransmitter(txSlots);
        Stack = new NetStack(configure?.Invoke(o) ?? o, Tx);
        Stack.Tick(Now);
    }

    public NetStackCounters Counters => Stack.Counters;
    public TcpLayer Tcp => Stack.Tcp;

    public void Deliver(byte[] frame) => Stack.ReceiveFrame(frame);

    public byte[] IpFrame(byte protocol, byte[] l4, Ipv4Address? source = null) =>
        TestFrames.Ethernet(StackMac, PeerMac, TestFrames.Ipv4, TestFrames.Ip(source ?? PeerIp, StackIp, protocol, l4));

    public void Advance(long microseconds)
    {
        Now += microseconds;
        Stack.Tick(Now);
    }

    public List<SentFrame> Flush()
    {
        Stack.Flush();
        return Tx.Drain();
    }

    /// <summary>The peer ARPs for the stack (as a host does before its first packet), so the stack knows where to answer.</summary>
    public void Introduce(Ipv4Address? peer = null)
    {
        Deliver(TestFrames.Ethernet(MacAddress.Broadcast, PeerMac, TestFrames.Arp,
            TestFrames.ArpPacket(1, PeerMac, peer ?? PeerIp, MacAddress.Zero, StackIp)));
        Tx.Discard();
    }

    public void Dispose() => Stack.Dispose();
}

/// <summary>
/// The far end of one TCP connection, driven by the test: it sends segments it builds itself and reads the stack's
/// answers. Sequence numbers: the peer's own (<see cref="SndNxt"/>) and the stack's (<see cref="RcvNxt"/>).
/// </summary>
internal sealed class TcpTestPeer(StackHarness h, ushort localPort, ushort serverPort = 80, Ipv4Address? address = null, uint iss = 1000)
{
    public ushort Port => localPort;
    public Ipv4Address Address { get; } = address ?? StackHarness.PeerIp;
    public uint Iss => iss;
    public uint SndNxt { get; set; } = iss + 1;
    public uint RcvNxt { get; set; }
    public int ServerWindow { get; private set; }
    public uint ServerIss { get; private set; }
    public ushort Window { get; set; } = 65535;
    public List<byte> Received { get; } = [];
    public bool GotFin { get; private set; }
    public bool GotRst { get; private set; }

    public byte[] Segment(uint seq, uint ack, byte flags, ReadOnlySpan<byte> data = default, ReadOnlySpan<byte> options = default) =>
        h.IpFrame(6, TestFrames.Tcp(Address, StackHarness.StackIp, localPort, serverPort, seq, ack, flags, Window, data, options), Address);

    public byte[] Syn() => Segment(iss, 0, TestFrames.Syn, default, TestFrames.MssOption(1460));

    /// <summary>SYN, SYN-ACK, ACK. Returns the SYN-ACK (or throws when it did not come).</summary>
    public SentFrame Handshake()
    {
        h.Deliver(Syn());
        var synAck = Mine(h.Flush()).Single(f => f.Has(TestFrames.Syn));
        Assert.True(synAck.Has(TestFrames.Ack));
        Assert.Equal(iss + 1, synAck.AckNumber);
        ServerIss = synAck.Seq;
        RcvNxt = synAck.Seq + 1;
        ServerWindow = synAck.Window;
        h.Deliver(Segment(SndNxt, RcvNxt, TestFrames.Ack));
        return synAck;
    }

    public void Send(ReadOnlySpan<byte> data, byte flags = TestFrames.Ack | TestFrames.Psh)
    {
        h.Deliver(Segment(SndNxt, RcvNxt, flags, data));
        SndNxt += (uint)data.Length + ((flags & TestFrames.Fin) != 0 ? 1u : 0u);
    }

    public void SendFin() => Send(default, TestFrames.Ack | TestFrames.Fin);

    public void AckAll() => h.Deliver(Segment(SndNxt, RcvNxt, TestFrames.Ack));

    /// <summary>The frames among <paramref name="frames"/> that belong to this connection.</summary>
    public IEnumerable<SentFrame> Mine(IEnumerable<SentFrame> frames) =>
        frames.Where(f => f.IsTcp && f.TcpDestinationPort == localPort && f.IpDestination == Address);

    /// <summary>Takes in-order data, FIN and RST from the stack's frames (as a receiver would); returns this connection's frames.</summary>
    public List<SentFrame> Absorb(IEnumerable<SentFrame> frames)
    {
        var mine = Mine(frames).ToList();
        foreach (var f in mine)
        {
            Assert.True(f.IpChecksumOk && f.L4ChecksumOk, $"bad checksum on {f}");
            if (f.Has(TestFrames.Rst)) { GotRst = true; continue; }
            ServerWindow = f.Window;
            var payload = f.TcpPayload;
            if (f.Seq == RcvNxt && payload.Length > 0)
            {
                Received.AddRange(payload.ToArray());
                RcvNxt += (uint)payload.Length;
            }
            if (f.Has(TestFrames.Fin) && f.Seq + (uint)payload.Length == RcvNxt)
            {
                GotFin = true;
                RcvNxt++;
            }
        }
        return mine;
    }
}
