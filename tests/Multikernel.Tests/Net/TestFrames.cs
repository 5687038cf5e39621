using System.Buffers.Binary;

namespace Multikernel.Tests.Net;

/// <summary>
/// Frames as a peer on the wire would build them, written independently of the stack's own header code (plain
/// big-endian writes and a word-by-word RFC 1071 checksum), so a mistake shared by both sides cannot hide.
/// </summary>
internal static class TestFrames
{
    public const ushort Ipv4 = 0x0800, Arp = 0x0806;
    public const byte Fin = 1, Syn = 2, Rst = 4, Psh = 8, Ack = 16;

    /// <summary>The Internet checksum, summed 16-bit big-endian word by word.</summary>
    public static ushort InternetChecksum(ReadOnlySpan<byte> data, uint initial = 0)
    {
        uint sum = initial;
        for (int i = 0; i + 1 < data.Length; i += 2) sum += (uint)(data[i] << 8 | data[i + 1]);
        if (data.Length % 2 == 1) sum += (uint)data[^1] << 8;
        while (sum >> 16 != 0) sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    public static uint Pseudo(Ipv4Address src, Ipv4Address dst, byte protocol, int length) =>
        (src.Value >> 16) + (src.Value & 0xFFFF) + (dst.Value >> 16) + (dst.Value & 0xFFFF) + protocol + (uint)length;

    public static byte[] Ethernet(MacAddress dst, MacAddress src, ushort type, ReadOnlySpan<byte> payload)
    {
        var f = new byte[14 + payload.Length];
        dst.Write(f);
        src.Write(f.AsSpan(6));
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12), type);
        payload.CopyTo(f.AsSpan(14));
        return f;
    }

    public static byte[] ArpPacket(ushort op, MacAddress senderMac, Ipv4Address senderIp, MacAddress targetMac, Ipv4Address targetIp)
    {
        var a = new byte[28];
        BinaryPrimitives.WriteUInt16BigEndian(a, 1);
        BinaryPrimitives.WriteUInt16BigEndian(a.AsSpan(2), 0x0800);
        a[4] = 6;
        a[5] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(a.AsSpan(6), op);
        senderMac.Write(a.AsSpan(8));
        senderIp.Write(a.AsSpan(14));
        targetMac.Write(a.AsSpan(18));
        targetIp.Write(a.AsSpan(24));
        return a;
    }

    /// <summary>An IPv4 packet; <paramref name="options"/> (a multiple of 4 bytes) lengthen the header.</summary>
    public static byte[] Ip(Ipv4Address src, Ipv4Address dst, byte protocol, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> options = default, ushort flagsFragment = 0x4000, ushort id = 1)
    {
        int hl = 20 + options.Length;
        var p = new byte[hl + payload.Length];
        p[0] = (byte)(0x40 | hl / 4);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), (ushort)p.Length);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), id);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(6), flagsFragment);
        p[8] = 64;
        p[9] = protocol;
        src.Write(p.AsSpan(12));
        dst.Write(p.AsSpan(16));
        options.CopyTo(p.AsSpan(20));
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(10), InternetChecksum(p.AsSpan(0, hl)));
        payload.CopyTo(p.AsSpan(hl));
        return p;
    }

    public static byte[] Icmp(byte type, ushort id, ushort seq, ReadOnlySpan<byte> data)
    {
        var m = new byte[8 + data.Length];
        m[0] = type;
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(4), id);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(6), seq);
        data.CopyTo(m.AsSpan(8));
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(2), InternetChecksum(m));
        return m;
    }

    public static byte[] Udp(Ipv4Address src, Ipv4Address dst, ushort sport, ushort dport, ReadOnlySpan<byte> data, bool checksum = true)
    {
        var u = new byte[8 + data.Length];
        BinaryPrimitives.WriteUInt16BigEndian(u, sport);
        BinaryPrimitives.WriteUInt16BigEndian(u.AsSpan(2), dport);
        BinaryPrimitives.WriteUInt16BigEndian(u.AsSpan(4), (ushort)u.Length);
        data.CopyTo(u.AsSpan(8));
        if (checksum)
        {
            ushort c = InternetChecksum(u, Pseudo(src, dst, 17, u.Length));
            BinaryPrimitives.WriteUInt16BigEndian(u.AsSpan(6), c == 0 ? (ushort)0xFFFF : c);
        }
        return u;
    }

    public static byte[] Tcp(Ipv4Address src, Ipv4Address dst, ushort sport, ushort dport, uint seq, uint ack, byte flags, ushort window,
        ReadOnlySpan<byte> data, ReadOnlySpan<byte> options = default)
    {
        int hl = 20 + options.Length;
        var t = new byte[hl + data.Length];
        BinaryPrimitives.WriteUInt16BigEndian(t, sport);
        BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(2), dport);
        BinaryPrimitives.WriteUInt32BigEndian(t.AsSpan(4), seq);
        BinaryPrimitives.WriteUInt32BigEndian(t.AsSpan(8), ack);
        t[12] = (byte)(hl / 4 << 4);
        t[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(14), window);
        options.CopyTo(t.AsSpan(20));
        data.CopyTo(t.AsSpan(hl));
        BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(16), InternetChecksum(t, Pseudo(src, dst, 6, t.Length)));
        return t;
    }

    public static byte[] MssOption(ushort mss) => [2, 4, (byte)(mss >> 8), (byte)mss];
}

/// <summary>A frame the stack sent, decoded by the test (with its checksums checked).</summary>
internal sealed record SentFrame(byte[] Bytes)
{
    public MacAddress Destination => MacAddress.Read(Bytes);
    public MacAddress Source => MacAddress.Read(Bytes.AsSpan(6));
    public ushort EtherType => BinaryPrimitives.ReadUInt16BigEndian(Bytes.AsSpan(12));
    public ReadOnlySpan<byte> L3 => Bytes.AsSpan(14);
    int IpHeaderLength => (Bytes[14] & 0xF) * 4;
    public int IpTotalLength => BinaryPrimitives.ReadUInt16BigEndian(Bytes.AsSpan(16));
    public byte IpProtocol => Bytes[23];
    public Ipv4Address IpSource => Ipv4Address.Read(Bytes.AsSpan(26));
    public Ipv4Address IpDestination => Ipv4Address.Read(Bytes.AsSpan(30));
    public ReadOnlySpan<byte> L4 => Bytes.AsSpan(14 + IpHeaderLength, IpTotalLength - IpHeaderLength);
    public bool IpChecksumOk => TestFrames.InternetChecksum(Bytes.AsSpan(14, IpHeaderLength)) == 0;
    public bool L4ChecksumOk => TestFrames.InternetChecksum(L4, TestFrames.Pseudo(IpSource, IpDestination, IpProtocol, L4.Length)) == 0;

    public bool IsTcp => EtherType == TestFrames.Ipv4 && IpProtocol == 6;
    public ushort TcpSourcePort => BinaryPrimitives.ReadUInt16BigEndian(L4);
    public ushort TcpDestinationPort => BinaryPrimitives.ReadUInt16BigEndian(L4[2..]);
    public uint Seq => BinaryPrimitives.ReadUInt32BigEndian(L4[4..]);
    public uint AckNumber => BinaryPrimitives.ReadUInt32BigEndian(L4[8..]);
    public byte Flags => L4[13];
    public ushort Window => BinaryPrimitives.ReadUInt16BigEndian(L4[14..]);
    public ReadOnlySpan<byte> TcpPayload => L4[((L4[12] >> 4) * 4)..];
    public bool Has(byte flag) => (Flags & flag) != 0;
    /// <summary>The MSS option of a SYN, or -1.</summary>
    public int MssOption => (L4[12] >> 4) * 4 >= 24 && L4[20] == 2 && L4[21] == 4 ? BinaryPrimitives.ReadUInt16BigEndian(L4[22..]) : -1;

    public override string ToString() => IsTcp
        ? $"TCP {TcpSourcePort}->{TcpDestinationPort} seq {Seq} ack {AckNumber} flags 0x{Flags:x2} win {Window} len {TcpPayload.Length}"
        : $"frame type 0x{EtherType:x4} ({Bytes.Length} bytes)";
}
