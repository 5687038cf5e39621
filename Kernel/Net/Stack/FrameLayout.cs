namespace Multikernel.Net.Stack;

/// <summary>Byte offsets and constants of the headers this stack reads and writes (Ethernet II, ARP, IPv4, ICMP, UDP, TCP).</summary>
internal static class FrameLayout
{
    // Ethernet II
    public const int EthDestination = 0, EthSource = 6, EthType = 12, EthHeader = 14, EthMinimumFrame = 60;
    public const ushort EtherTypeIpv4 = 0x0800, EtherTypeArp = 0x0806;

    // ARP for IPv4 over Ethernet (after the Ethernet header)
    public const int ArpHardwareType = 0, ArpProtocolType = 2, ArpHardwareLength = 4, ArpProtocolLength = 5, ArpOperation = 6,
        ArpSenderMac = 8, ArpSenderIp = 14, ArpTargetMac = 18, ArpTargetIp = 24, ArpPacket = 28;
    public const ushort ArpRequest = 1, ArpReply = 2;

    // IPv4 (after the Ethernet header)
    public const int IpVersionIhl = 0, IpTotalLength = 2, IpId = 4, IpFlagsFragment = 6, IpTtl = 8, IpProtocol = 9,
        IpChecksum = 10, IpSource = 12, IpDestination = 16, IpHeader = 20;
    public const byte ProtocolIcmp = 1, ProtocolTcp = 6, ProtocolUdp = 17;
    public const ushort IpMoreFragments = 0x2000, IpDontFragment = 0x4000, IpFragmentOffsetMask = 0x1FFF;
    public const byte DefaultTtl = 64;

    // ICMP
    public const int IcmpType = 0, IcmpCode = 1, IcmpChecksum = 2, IcmpHeader = 8;
    public const byte IcmpEchoReply = 0, IcmpEchoRequest = 8;

    // UDP
    public const int UdpSourcePort = 0, UdpDestinationPort = 2, UdpLength = 4, UdpChecksum = 6, UdpHeader = 8;

    // TCP
    public const int TcpSourcePort = 0, TcpDestinationPort = 2, TcpSequence = 4, TcpAcknowledgment = 8, TcpDataOffset = 12,
        TcpFlags = 13, TcpWindow = 14, TcpChecksum = 16, TcpUrgent = 18, TcpHeader = 20;
    public const byte TcpFin = 0x01, TcpSyn = 0x02, TcpRst = 0x04, TcpPsh = 0x08, TcpAck = 0x10, TcpUrg = 0x20;
    public const byte TcpOptionEnd = 0, TcpOptionNop = 1, TcpOptionMss = 2;
}
