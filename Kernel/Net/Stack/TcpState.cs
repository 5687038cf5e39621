namespace Multikernel.Net.Stack;

/// <summary>RFC 793 connection states as this stack uses them (passive open only, so no LISTEN or SYN_SENT per connection).</summary>
public enum TcpState
{
    /// <summary>No connection: never opened, reset by the peer, aborted, or timed out.</summary>
    Closed,
    SynReceived,
    Established,
    CloseWait,
    FinWait1,
    FinWait2,
    Closing,
    LastAck,
    TimeWait,
}
