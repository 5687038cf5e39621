namespace Multikernel.Net.Stack;

/// <summary>
/// Configuration of a <see cref="NetStack"/>. Everything the stack will ever hold is sized from here at construction:
/// the connection table, the per-connection buffers, the ARP cache. Times are in microseconds of the clock the owner
/// passes to <see cref="NetStack.Tick"/>.
/// </summary>
public sealed record NetStackOptions
{
    public required MacAddress Mac { get; init; }
    public required Ipv4Address Address { get; init; }
    /// <summary>IP MTU of the link; the stack never sends a larger packet (it does not fragment) and announces MSS = MTU - 40.</summary>
    public int Mtu { get; init; } = 1500;

    /// <summary>Connection table size: established, half-open and TIME_WAIT connections together. A SYN beyond it is refused with RST.</summary>
    public int MaxConnections { get; init; } = 1024;
    /// <summary>Half-open (SYN_RECEIVED) connections kept at most (and never more than <see cref="MaxConnections"/>); a SYN beyond it evicts the oldest (bounds a SYN flood).</summary>
    public int MaxHalfOpen { get; init; } = 256;
    /// <summary>Receive buffer per connection = the largest window announced (no window scaling, so at most 65535).</summary>
    public int ReceiveBufferBytes { get; init; } = 16 * 1024;
    public int SendBufferBytes { get; init; } = 32 * 1024;

    public long InitialRtoMicroseconds { get; init; } = 1_000_000;
    public long MinRtoMicroseconds { get; init; } = 200_000;
    public long MaxRtoMicroseconds { get; init; } = 60_000_000;
    /// <summary>Retransmissions of the same data without any acknowledgment before the connection is reset.</summary>
    public int MaxRetransmissions { get; init; } = 8;
    /// <summary>SYN-ACK retransmissions before a half-open connection is dropped.</summary>
    public int SynAckRetries { get; init; } = 4;
    /// <summary>How long a connection stays in TIME_WAIT (RFC 793's 2 MSL is 4 minutes; this is a benchmark's link, and the slot counts against the table).</summary>
    public long TimeWaitMicroseconds { get; init; } = 2_000_000;
    /// <summary>
    /// Delayed ACK (RFC 1122 4.2.3.2, RFC 5681 4.2): how long the ACK of in-order data may wait for data of ours to ride
    /// on (a server's response). At least every second segment is acknowledged at once, and so are out-of-order data,
    /// filled holes, FINs and window updates. 0 (the default) sends the ACK at the next <c>Flush</c>, i.e. in the same
    /// round as the application's reply or without one.
    /// </summary>
    public long DelayedAckMicroseconds { get; init; }
    /// <summary>How long FIN_WAIT_2 waits for the peer's FIN after the application closed.</summary>
    public long FinWait2TimeoutMicroseconds { get; init; } = 10_000_000;

    /// <summary>Addresses whose MAC is known, kept at most; as many unanswered ARP requests are tracked apart from them.</summary>
    public int ArpCacheEntries { get; init; } = 64;
    /// <summary>At most one ARP request per unresolved address per this interval.</summary>
    public long ArpRequestIntervalMicroseconds { get; init; } = 1_000_000;
    public int MaxUdpPorts { get; init; } = 16;
    public int MaxTcpListeners { get; init; } = 8;
    /// <summary>Seed of the initial-sequence-number generator; null draws one from the OS (tests fix it).</summary>
    public ulong? IsnSeed { get; init; }

    /// <summary>The most address space the connections' buffers may reserve (<see cref="Validate"/>).</summary>
    public const long MaxBufferSlabBytes = 64L << 30;

    internal int Mss => Mtu - 40;
    internal int HalfOpenLimit => Math.Min(MaxHalfOpen, MaxConnections);

    internal void Validate()
    {
        static void Check(bool ok, string name, object value, string rule)
        {
            if (!ok) throw new ArgumentOutOfRangeException(name, value, rule);
        }
        Check(Mtu is >= 576 and <= 9000, nameof(Mtu), Mtu, "576 to 9000 bytes");
        Check(MaxConnections is >= 1 and <= 1 << 20, nameof(MaxConnections), MaxConnections, "1 to 1048576");
        Check(MaxHalfOpen >= 1, nameof(MaxHalfOpen), MaxHalfOpen, "at least 1");
        Check(ReceiveBufferBytes >= Mss && ReceiveBufferBytes <= 65535, nameof(ReceiveBufferBytes), ReceiveBufferBytes, $"MSS ({Mss}) to 65535 bytes (no window scaling)");
        Check(SendBufferBytes >= Mss && SendBufferBytes <= 1 << 24, nameof(SendBufferBytes), SendBufferBytes, $"MSS ({Mss}) to 16 MiB");
        // TcpLayer reserves every connection's buffers in one slab at construction (pages mapped on first write).
        long slab = (long)MaxConnections * ((long)ReceiveBufferBytes + SendBufferBytes);
        Check(slab <= MaxBufferSlabBytes, nameof(MaxConnections), MaxConnections,
            $"MaxConnections x (ReceiveBufferBytes + SendBufferBytes) at most {MaxBufferSlabBytes >> 30} GiB (the buffer slab reserved at start; {slab >> 20} MiB asked)");
        Check(MinRtoMicroseconds >= 1000 && MinRtoMicroseconds <= InitialRtoMicroseconds && InitialRtoMicroseconds <= MaxRtoMicroseconds,
            nameof(InitialRtoMicroseconds), InitialRtoMicroseconds, "1 ms <= MinRto <= InitialRto <= MaxRto");
        Check(MaxRetransmissions is >= 1 and <= 30, nameof(MaxRetransmissions), MaxRetransmissions, "1 to 30");
        Check(SynAckRetries is >= 0 and <= 10, nameof(SynAckRetries), SynAckRetries, "0 to 10");
        Check(DelayedAckMicroseconds is >= 0 and <= 500_000, nameof(DelayedAckMicroseconds), DelayedAckMicroseconds, "0 (off) to 500,000 (RFC 1122's limit)");
        Check(TimeWaitMicroseconds >= 0, nameof(TimeWaitMicroseconds), TimeWaitMicroseconds, "0 or more");
        Check(FinWait2TimeoutMicroseconds > 0, nameof(FinWait2TimeoutMicroseconds), FinWait2TimeoutMicroseconds, "more than 0");
        Check(ArpCacheEntries is >= 1 and <= 4096, nameof(ArpCacheEntries), ArpCacheEntries, "1 to 4096");
        Check(MaxUdpPorts is >= 1 and <= 1024, nameof(MaxUdpPorts), MaxUdpPorts, "1 to 1024");
        Check(MaxTcpListeners is >= 1 and <= 1024, nameof(MaxTcpListeners), MaxTcpListeners, "1 to 1024");
        if (Address == Ipv4Address.Any || Address.IsMulticast || Address == Ipv4Address.Broadcast)
            throw new ArgumentException($"the stack's address {Address} must be a unicast address", nameof(Address));
        if (Mac.IsGroup || Mac == MacAddress.Zero)
            throw new ArgumentException($"the stack's MAC {Mac} must be a unicast address", nameof(Mac));
    }
}
