namespace Multikernel.Net.Stack;

/// <summary>What a <see cref="NetStack"/> has seen and done; every frame it drops is counted under its reason. Owned by the stack's thread.</summary>
public sealed class NetStackCounters
{
    public long FramesIn { get; internal set; }
    public long FramesOut { get; internal set; }
    /// <summary>Frames for another MAC address, other EtherTypes, IP packets for another address, or ARP about another address.</summary>
    public long NotForUs { get; internal set; }
    /// <summary>Frames shorter than their headers or longer than the MTU allows, or whose length or header fields are invalid.</summary>
    public long Malformed { get; internal set; }
    public long IpChecksumErrors { get; internal set; }
    /// <summary>IPv4 fragments: this stack never fragments and does not reassemble (MSS and the MTU keep every packet whole).</summary>
    public long IpFragmentsDropped { get; internal set; }
    /// <summary>IPv4 packets with options (accepted; the options are skipped).</summary>
    public long IpOptionsSkipped { get; internal set; }
    public long UnknownProtocol { get; internal set; }
    public long ArpRequestsAnswered { get; internal set; }
    public long ArpRequestsSent { get; internal set; }
    /// <summary>Packets not sent because the destination's MAC address was not yet known (an ARP request went out instead).</summary>
    public long ArpMisses { get; internal set; }
    public long IcmpEchoReplies { get; internal set; }
    public long IcmpChecksumErrors { get; internal set; }
    /// <summary>ICMP messages other than echo requests (echo replies, errors): dropped, as this stack sends no echo requests and acts on no ICMP error.</summary>
    public long IcmpIgnored { get; internal set; }
    public long UdpIn { get; internal set; }
    public long UdpOut { get; internal set; }
    public long UdpChecksumErrors { get; internal set; }
    public long UdpNoPort { get; internal set; }
    public long TcpIn { get; internal set; }
    public long TcpChecksumErrors { get; internal set; }
    public long TcpResetsSent { get; internal set; }
    /// <summary>SYNs refused with RST because the connection table was full.</summary>
    public long TcpRefused { get; internal set; }
    /// <summary>Half-open connections evicted by newer SYNs (MaxHalfOpen reached) or dropped after their SYN-ACK retries.</summary>
    public long TcpHalfOpenDropped { get; internal set; }
    public long TcpAccepted { get; internal set; }
    public long TcpRetransmissions { get; internal set; }
    public long TcpFastRetransmissions { get; internal set; }
    /// <summary>Connections reset because their data went unacknowledged for MaxRetransmissions timeouts.</summary>
    public long TcpTimeouts { get; internal set; }
    public long TcpOutOfOrder { get; internal set; }
    /// <summary>Segments wholly outside the receive window (duplicates, mostly): answered with an ACK and dropped.</summary>
    public long TcpOutOfWindow { get; internal set; }
    public long TcpResetsReceived { get; internal set; }
    /// <summary>Frames the transmitter had no room for (the segment is retried later; a pure ACK or a reply is lost).</summary>
    public long TxRingFull { get; internal set; }
}
