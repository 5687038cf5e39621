using System.Buffers.Binary;
using Multikernel.Tests.Net;

namespace Experiments.Tests;

/// <summary>
/// Frames from the far end to the server, written field by field (RFC 791, 768, 793, 826) independently of the stack's
/// writers, and a reader of the server's TCP segments that checks their checksums the same way.
/// </summary>
internal sealed class WireFrames(MacAddress src, MacAddress dst, Ipv4Address from, Ipv4Address to)
{
    public byte[] Ethernet(ushort type, ReadOnlySpan<byte> payload) => TestFrames.Ethernet(dst, src, type, payload);

    byte[] Ip(byte protocol, ReadOnlySpan<byte> payload, Ipv4Address source, int options = 0)
    {
        int header = 20 + options;
        var ip = new byte[header + payload.Length];
        ip[0] = (byte)(0x40 | header / 4);
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(2), (ushort)ip.Length);
        ip[6] = 0x40; // DF
        ip[8] = 64;
        ip[9] = protocol;
        source.Write(ip.AsSpan(12));
        to.Write(ip.AsSpan(16));
        for (int i = 20; i < header; i++) ip[i] = 1; // NOP options
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(10), Sum(ip.AsSpan(0, header), 0));
        payload.CopyTo(ip.AsSpan(header));
        return Ethernet(0x0800, ip);
    }

    public byte[] Udp(ushort sourcePort, ushort port, ReadOnlySpan<byte> data, int ipOptions = 0)
    {
        var u = new byte[8 + data.Length];
        BinaryPrimitives.WriteUInt16BigEndian(u, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(u.AsSpan(2), port);
        BinaryPrimitives.WriteUInt16BigEndian(u.AsSpan(4), (ushort)u.Length);
        data.CopyTo(u.AsSpan(8));
        ushort sum = Sum(u, Pseudo(from, 17, u.Length));
        BinaryPrimitives.WriteUInt16BigEndian(u.AsSpan(6), sum == 0 ? (ushort)0xFFFF : sum);
        return Ip(17, u, from, ipOptions);
    }

    public byte[] Tcp(ushort sourcePort, int port, byte flags, Ipv4Address? source = null)
    {
        var t = new byte[24];
        BinaryPrimitives.WriteUInt16BigEndian(t, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(2), (ushort)port);
        BinaryPrimitives.WriteUInt32BigEndian(t.AsSpan(4), 0x1000_0000u + sourcePort);
        t[12] = 6 << 4;
        t[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(14), 65535);
        t[20] = 2; t[21] = 4; BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(22), 1460); // MSS option
        var s = source ?? from;
        BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(16), Sum(t, Pseudo(s, 6, t.Length)));
        return Ip(6, t, s);
    }

    /// <summary>A TCP segment with the given sequence and acknowledgment numbers, flags, window and payload (and an MSS option if given).</summary>
    public byte[] Tcp(ushort sourcePort, ushort port, uint seq, uint ack, byte flags, ushort window, ReadOnlySpan<byte> data, int mss = 0) =>
        Ip(6, TestFrames.Tcp(from, to, sourcePort, port, seq, ack, flags, window, data,
            mss > 0 ? TestFrames.MssOption((ushort)mss) : default), from);

    /// <summary>Recomputes the TCP checksum of a frame built by <see cref="Tcp(ushort, ushort, uint, uint, byte, ushort, ReadOnlySpan{byte}, int)"/> after a header field changed.</summary>
    public void ResumTcp(byte[] frame)
    {
        var t = frame.AsSpan(14 + 20);
        t[16] = t[17] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(t[16..], Sum(t, Pseudo(from, 6, t.Length)));
    }

    /// <summary>An ARP request "who has <paramref name="target"/>, tell (our address)", broadcast.</summary>
    public byte[] ArpRequest(Ipv4Address target) =>
        TestFrames.Ethernet(MacAddress.Broadcast, src, TestFrames.Arp, TestFrames.ArpPacket(1, src, from, MacAddress.Zero, target));

    public static bool IsArpRequestFor(ReadOnlySpan<byte> frame, Ipv4Address address) =>
        frame.Length >= 14 + 28 && BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) == 0x0806 &&
        BinaryPrimitives.ReadUInt16BigEndian(frame[(14 + 6)..]) == 1 && Ipv4Address.Read(frame[(14 + 24)..]) == address;

    /// <summary>The reply to an ARP request for our address: our MAC, to the asker.</summary>
    public byte[] ArpReply(ReadOnlySpan<byte> request)
    {
        var askerMac = MacAddress.Read(request[(14 + 8)..]);
        return TestFrames.Ethernet(askerMac, src, TestFrames.Arp, TestFrames.ArpPacket(2, src, from, askerMac, Ipv4Address.Read(request[(14 + 14)..])));
    }

    /// <summary>A TCP segment from the server (<c>to</c>) to our address (<c>from</c>) and <paramref name="port"/>, read with the stack tests' reader; null for any other frame.</summary>
    public SentFrame? TcpToUs(ReadOnlySpan<byte> frame, ushort port)
    {
        if (frame.Length < 14 + 20 + 20) return null;
        var f = new SentFrame(frame.ToArray());
        if (!f.IsTcp || (f.Bytes[14] & 0xF) < 5 || f.IpTotalLength > frame.Length - 14) return null;
        return f.IpSource == to && f.IpDestination == from && f.TcpDestinationPort == port ? f : null;
    }

    public byte[] Corrupt(byte[] frame, int at) { frame[at] ^= 0x5A; return frame; }

    /// <summary>Changes IP header fields after the fact and recomputes the header checksum, so only the named field is wrong.</summary>
    public byte[] SetIp(byte[] frame, int? totalLength = null, byte? versionIhl = null)
    {
        var ip = frame.AsSpan(14);
        if (totalLength is { } l) BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)l);
        if (versionIhl is { } v) ip[0] = v;
        ip[10] = ip[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Sum(ip[..20], 0));
        return frame;
    }

    public byte[] SetUdpLength(byte[] frame, int length)
    {
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(14 + 20 + 4), (ushort)length);
        return frame;
    }

    uint Pseudo(Ipv4Address source, byte protocol, int length) => Pseudo(source.Value) + protocol + (uint)length;
    uint Pseudo(uint source) => (source >> 16) + (source & 0xFFFF) + (to.Value >> 16) + (to.Value & 0xFFFF);

    static ushort Sum(ReadOnlySpan<byte> data, uint start)
    {
        ulong sum = start;
        for (int i = 0; i + 1 < data.Length; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if (data.Length % 2 == 1) sum += (uint)data[^1] << 8;
        while (sum >> 16 != 0) sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }
}
