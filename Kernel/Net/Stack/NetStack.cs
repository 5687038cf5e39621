using System.Buffers.Binary;
using static Multikernel.Net.Stack.FrameLayout;

namespace Multikernel.Net.Stack;

/// <summary>
/// A user-level network stack for one Ethernet interface and one IPv4 address: Ethernet II, ARP (answers, address
/// probes for its address included, and a cache),
/// IPv4 (header checksum; no fragmentation and no reassembly: every packet it sends fits the MTU, fragments it
/// receives are counted and dropped; options are skipped), ICMP echo, UDP and TCP (<see cref="Tcp"/>).
/// <para>It is driven from outside by three calls, so that any loop or dispatcher can run it:
/// <see cref="ReceiveFrame"/> (one frame in, processed to completion while it still lies in the receive ring; replies
/// go straight to the transmitter), <see cref="Flush"/> (TCP output for the connections that have data or an ACK to
/// send: called after the application has run, so ACKs ride on responses) and <see cref="Tick"/> (the clock: TCP
/// retransmission, TIME_WAIT and other timers). Frames out go to an <see cref="IFrameTransmitter"/>.</para>
/// <para>Ownership: one thread calls everything (the stack core's). Memory is fixed at construction (options); the
/// per-packet paths allocate nothing.</para>
/// </summary>
public sealed class NetStack : IDisposable
{
    readonly IFrameTransmitter _tx;
    readonly ArpCache _arp;
    readonly ushort[] _udpPorts;
    readonly IUdpReceiver[] _udpReceivers;
    int _udpCount;
    ushort _ipId;
    long _now;

    public NetStackOptions Options { get; }
    public NetStackCounters Counters { get; } = new();
    public TcpLayer Tcp { get; }
    public MacAddress Mac { get; }
    public Ipv4Address Address { get; }
    /// <summary>The time of the last <see cref="Tick"/>, in microseconds.</summary>
    public long Now => _now;

    public NetStack(NetStackOptions options, IFrameTransmitter transmitter)
    {
        options.Validate();
        if (transmitter.MaxFrameLength < EthHeader + options.Mtu)
            throw new ArgumentException($"the transmitter carries frames of up to {transmitter.MaxFrameLength} bytes; MTU {options.Mtu} needs {EthHeader + options.Mtu}", nameof(transmitter));
        Options = options;
        Mac = options.Mac;
        Address = options.Address;
        _tx = transmitter;
        _arp = new ArpCache(options.ArpCacheEntries);
        _udpPorts = new ushort[options.MaxUdpPorts];
        _udpReceivers = new IUdpReceiver[options.MaxUdpPorts];
        Tcp = new TcpLayer(this, options);
    }

    // ---- the three entry points ----

    /// <summary>Processes one received Ethernet frame (FCS not included). <paramref name="flags"/> come from the ring.</summary>
    public void ReceiveFrame(ReadOnlySpan<byte> frame, RxFrameFlags flags = RxFrameFlags.None)
    {
        Counters.FramesIn++;
        // Shorter than a header, or longer than the link carries (a GSO super-frame that never existed on a wire).
        if (frame.Length < EthHeader || frame.Length > EthHeader + Options.Mtu) { Counters.Malformed++; return; }
        var destination = MacAddress.Read(frame);
        if (destination != Mac && !destination.IsBroadcast) { Counters.NotForUs++; return; }
        switch (BinaryPrimitives.ReadUInt16BigEndian(frame[EthType..]))
        {
            case EtherTypeIpv4: ReceiveIpv4(frame[EthHeader..], (flags & (RxFrameFlags.ChecksumPartial | RxFrameFlags.ChecksumVerified)) != 0); break;
            case EtherTypeArp: ReceiveArp(frame[EthHeader..]); break;
            default: Counters.NotForUs++; break;
        }
    }

    /// <summary>Sends what TCP has queued: data the application wrote, window updates and delayed ACKs.</summary>
    public void Flush() => Tcp.Flush();

    /// <summary>Advances the clock to <paramref name="nowMicroseconds"/> (never backwards) and runs the timers that are due.</summary>
    public void Tick(long nowMicroseconds)
    {
        if (nowMicroseconds > _now) _now = nowMicroseconds;
        Tcp.RunTimers(_now);
    }

    // ---- UDP ----

    /// <summary>Delivers datagrams for <paramref name="port"/> to <paramref name="receiver"/>.</summary>
    public void BindUdp(ushort port, IUdpReceiver receiver)
    {
        if (port == 0) throw new ArgumentOutOfRangeException(nameof(port), port, "UDP port 0 cannot be bound");
        for (int i = 0; i < _udpCount; i++)
            if (_udpPorts[i] == port) throw new InvalidOperationException($"UDP port {port} is already bound");
        if (_udpCount == _udpPorts.Length) throw new InvalidOperationException($"all {_udpPorts.Length} UDP bindings are in use (NetStackOptions.MaxUdpPorts)");
        _udpPorts[_udpCount] = port;
        _udpReceivers[_udpCount++] = receiver;
    }

    /// <summary>
    /// Sends one datagram (its bytes copied into the transmit frame). False when it could not go now: the destination's
    /// MAC is not known yet (an ARP request went out) or the transmitter is full. Throws when it would not fit the MTU.
    /// </summary>
    public bool SendUdp(Ipv4Address destination, ushort sourcePort, ushort destinationPort, ReadOnlySpan<byte> payload)
    {
        int length = UdpHeader + payload.Length;
        if (IpHeader + length > Options.Mtu)
            throw new ArgumentException($"a {payload.Length}-byte datagram does not fit MTU {Options.Mtu} (at most {Options.Mtu - IpHeader - UdpHeader}); this stack does not fragment", nameof(payload));
        Span<byte> frame = BeginIpv4(destination);
        if (frame.IsEmpty) return false;
        Span<byte> udp = frame.Slice(EthHeader + IpHeader, length);
        BinaryPrimitives.WriteUInt16BigEndian(udp[UdpSourcePort..], sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[UdpDestinationPort..], destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[UdpLength..], (ushort)length);
        udp[UdpChecksum] = 0;
        udp[UdpChecksum + 1] = 0;
        payload.CopyTo(udp[UdpHeader..]);
        ushort sum = Checksum.Finish(Checksum.Add(Checksum.PseudoHeader(Address, destination, ProtocolUdp, length), udp));
        Checksum.Store(udp[UdpChecksum..], sum == 0 ? (ushort)0xFFFF : sum);
        CommitIpv4(frame, destination, ProtocolUdp, length);
        Counters.UdpOut++;
        return true;
    }

    void ReceiveUdp(Ipv4Address source, ReadOnlySpan<byte> udp, bool checksumTrusted)
    {
        if (udp.Length < UdpHeader) { Counters.Malformed++; return; }
        int length = BinaryPrimitives.ReadUInt16BigEndian(udp[UdpLength..]);
        if (length < UdpHeader || length > udp.Length) { Counters.Malformed++; return; }
        udp = udp[..length];
        if (!checksumTrusted && (udp[UdpChecksum] | udp[UdpChecksum + 1]) != 0
            && !Checksum.Verifies(Checksum.Add(Checksum.PseudoHeader(source, Address, ProtocolUdp, length), udp)))
        {
            Counters.UdpChecksumErrors++;
            return;
        }
        ushort port = BinaryPrimitives.ReadUInt16BigEndian(udp[UdpDestinationPort..]);
        for (int i = 0; i < _udpCount; i++)
        {
            if (_udpPorts[i] != port) continue;
            Counters.UdpIn++;
            _udpReceivers[i].OnDatagram(this, new UdpDatagram(source, BinaryPrimitives.ReadUInt16BigEndian(udp), port), udp[UdpHeader..]);
            return;
        }
        Counters.UdpNoPort++;
    }

    // ---- IPv4 and ICMP ----

    void ReceiveIpv4(ReadOnlySpan<byte> ip, bool checksumTrusted)
    {
        if (ip.Length < IpHeader || ip[IpVersionIhl] >> 4 != 4) { Counters.Malformed++; return; }
        int headerLength = (ip[IpVersionIhl] & 0xF) * 4;
        int total = BinaryPrimitives.ReadUInt16BigEndian(ip[IpTotalLength..]);
        if (headerLength < IpHeader || headerLength > total || total > ip.Length) { Counters.Malformed++; return; }
        if (!Checksum.Verifies(Checksum.Add(0, ip[..headerLength]))) { Counters.IpChecksumErrors++; return; }
        if ((BinaryPrimitives.ReadUInt16BigEndian(ip[IpFlagsFragment..]) & (IpMoreFragments | IpFragmentOffsetMask)) != 0) { Counters.IpFragmentsDropped++; return; }
        if (Ipv4Address.Read(ip[IpDestination..]) != Address) { Counters.NotForUs++; return; }
        var source = Ipv4Address.Read(ip[IpSource..]);
        // Sources no host on a wire can have (RFC 1122 3.2.1.3), and our own address (a spoofed or looped packet, as
        // Linux's martian-source check drops it): discarded, never answered.
        if (source == Ipv4Address.Any || source == Ipv4Address.Broadcast || source.IsMulticast || source.IsLoopback || source == Address) { Counters.Malformed++; return; }
        if (headerLength > IpHeader) Counters.IpOptionsSkipped++;
        ReadOnlySpan<byte> payload = ip[headerLength..total];
        switch (ip[IpProtocol])
        {
            case ProtocolTcp: Tcp.Input(source, payload, checksumTrusted); break;
            case ProtocolUdp: ReceiveUdp(source, payload, checksumTrusted); break;
            case ProtocolIcmp: ReceiveIcmp(source, payload); break;
            default: Counters.UnknownProtocol++; break;
        }
    }

    void ReceiveIcmp(Ipv4Address source, ReadOnlySpan<byte> icmp)
    {
        if (icmp.Length < IcmpHeader) { Counters.Malformed++; return; }
        if (!Checksum.Verifies(Checksum.Add(0, icmp))) { Counters.IcmpChecksumErrors++; return; }
        if (icmp[IcmpType] != IcmpEchoRequest || icmp[IcmpCode] != 0) { Counters.IcmpIgnored++; return; }
        if (IpHeader + icmp.Length > Options.Mtu) { Counters.Malformed++; return; }
        Span<byte> frame = BeginIpv4(source);
        if (frame.IsEmpty) return;
        Span<byte> reply = frame.Slice(EthHeader + IpHeader, icmp.Length);
        icmp.CopyTo(reply);
        reply[IcmpType] = IcmpEchoReply;
        reply[IcmpChecksum] = 0;
        reply[IcmpChecksum + 1] = 0;
        Checksum.Store(reply[IcmpChecksum..], Checksum.Finish(Checksum.Add(0, reply)));
        CommitIpv4(frame, source, ProtocolIcmp, icmp.Length);
        Counters.IcmpEchoReplies++;
    }

    /// <summary>
    /// Starts an IPv4 packet to <paramref name="destination"/>: resolves its MAC, takes a transmit buffer and writes the
    /// Ethernet header. The caller writes the transport header and payload at EthHeader + IpHeader and calls
    /// <see cref="CommitIpv4"/>. Empty when the MAC is unknown (an ARP request goes out, rate-limited) or the transmitter is full.
    /// </summary>
    internal Span<byte> BeginIpv4(Ipv4Address destination)
    {
        if (!_arp.TryGet(destination, out MacAddress mac))
        {
            Counters.ArpMisses++;
            if (_arp.ShouldRequest(destination, _now, Options.ArpRequestIntervalMicroseconds)) SendArp(ArpRequest, MacAddress.Broadcast, MacAddress.Zero, destination);
            return default;
        }
        Span<byte> frame = _tx.BeginFrame();
        if (frame.IsEmpty) { Counters.TxRingFull++; return default; }
        mac.Write(frame[EthDestination..]);
        Mac.Write(frame[EthSource..]);
        BinaryPrimitives.WriteUInt16BigEndian(frame[EthType..], EtherTypeIpv4);
        return frame;
    }

    /// <summary>Writes the IPv4 header (DF set, no options) in front of a <paramref name="payloadLength"/>-byte payload and commits the frame.</summary>
    internal void CommitIpv4(Span<byte> frame, Ipv4Address destination, byte protocol, int payloadLength)
    {
        Span<byte> ip = frame.Slice(EthHeader, IpHeader);
        ip[IpVersionIhl] = 0x45;
        ip[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(ip[IpTotalLength..], (ushort)(IpHeader + payloadLength));
        BinaryPrimitives.WriteUInt16BigEndian(ip[IpId..], _ipId++);
        BinaryPrimitives.WriteUInt16BigEndian(ip[IpFlagsFragment..], IpDontFragment);
        ip[IpTtl] = DefaultTtl;
        ip[IpProtocol] = protocol;
        ip[IpChecksum] = 0;
        ip[IpChecksum + 1] = 0;
        Address.Write(ip[IpSource..]);
        destination.Write(ip[IpDestination..]);
        Checksum.Store(ip[IpChecksum..], Checksum.Finish(Checksum.Add(0, ip)));
        Commit(frame, EthHeader + IpHeader + payloadLength);
    }

    void Commit(Span<byte> frame, int length)
    {
        if (length < EthMinimumFrame)
        {
            frame[length..EthMinimumFrame].Clear();
            length = EthMinimumFrame;
        }
        _tx.CommitFrame(length);
        Counters.FramesOut++;
    }

    // ---- ARP ----

    void ReceiveArp(ReadOnlySpan<byte> arp)
    {
        if (arp.Length < ArpPacket || BinaryPrimitives.ReadUInt16BigEndian(arp[ArpHardwareType..]) != 1
            || BinaryPrimitives.ReadUInt16BigEndian(arp[ArpProtocolType..]) != EtherTypeIpv4
            || arp[ArpHardwareLength] != 6 || arp[ArpProtocolLength] != 4)
        {
            Counters.Malformed++;
            return;
        }
        ushort op = BinaryPrimitives.ReadUInt16BigEndian(arp[ArpOperation..]);
        var senderMac = MacAddress.Read(arp[ArpSenderMac..]);
        var senderIp = Ipv4Address.Read(arp[ArpSenderIp..]);
        var targetIp = Ipv4Address.Read(arp[ArpTargetIp..]);
        if (senderMac.IsGroup) { Counters.Malformed++; return; } // no host has a group address
        if (senderIp == Ipv4Address.Any)
        {
            // An address probe (RFC 5227) teaches nothing, but one for our address is answered (to the prober, target
            // IP 0.0.0.0, as Linux answers it): otherwise the prober finds the address free and takes it.
            if (op != ArpRequest) Counters.Malformed++;        // only a request can come from no address
            else if (targetIp != Address) Counters.NotForUs++;
            else if (SendArp(ArpReply, senderMac, senderMac, Ipv4Address.Any)) Counters.ArpRequestsAnswered++;
            return;
        }
        // Another host claiming our address (a conflict or a spoof, RFC 5227): nothing to learn, and never a mapping
        // of our own address to another MAC in the cache.
        if (senderIp == Address) { Counters.Malformed++; return; }
        bool merged = _arp.Merge(senderIp, senderMac, _now);
        if (targetIp != Address) { Counters.NotForUs++; return; }
        if (!merged) _arp.Learn(senderIp, senderMac, _now);
        if (op == ArpRequest)
        {
            if (SendArp(ArpReply, senderMac, senderMac, senderIp)) Counters.ArpRequestsAnswered++;
        }
    }

    bool SendArp(ushort op, MacAddress ethernetDestination, MacAddress targetMac, Ipv4Address targetIp)
    {
        Span<byte> frame = _tx.BeginFrame();
        if (frame.IsEmpty) { Counters.TxRingFull++; return false; }
        ethernetDestination.Write(frame[EthDestination..]);
        Mac.Write(frame[EthSource..]);
        BinaryPrimitives.WriteUInt16BigEndian(frame[EthType..], EtherTypeArp);
        Span<byte> arp = frame.Slice(EthHeader, ArpPacket);
        BinaryPrimitives.WriteUInt16BigEndian(arp[ArpHardwareType..], 1);
        BinaryPrimitives.WriteUInt16BigEndian(arp[ArpProtocolType..], EtherTypeIpv4);
        arp[ArpHardwareLength] = 6;
        arp[ArpProtocolLength] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(arp[ArpOperation..], op);
        Mac.Write(arp[ArpSenderMac..]);
        Address.Write(arp[ArpSenderIp..]);
        targetMac.Write(arp[ArpTargetMac..]);
        targetIp.Write(arp[ArpTargetIp..]);
        Commit(frame, EthHeader + ArpPacket);
        if (op == ArpRequest) Counters.ArpRequestsSent++;
        return true;
    }

    /// <summary>The MAC address the ARP cache holds for <paramref name="address"/>, if any.</summary>
    public bool TryGetArpEntry(Ipv4Address address, out MacAddress mac) => _arp.TryGet(address, out mac);

    /// <summary>Frees the connection buffers. Only after the owning thread has stopped calling the stack.</summary>
    public void Dispose() => Tcp.Dispose();
}
