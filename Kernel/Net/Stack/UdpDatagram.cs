namespace Multikernel.Net.Stack;

/// <summary>The addressing of one received UDP datagram.</summary>
public readonly record struct UdpDatagram(Ipv4Address Source, ushort SourcePort, ushort DestinationPort);
