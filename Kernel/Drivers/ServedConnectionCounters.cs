namespace Multikernel.Drivers;

/// <summary>
/// What the owner of a <see cref="ServedConnection"/> table counts (the socket driver <see cref="TcpNicDriver"/> and
/// the user-level stack's <c>Net.Cores.TcpStreamBridge</c> alike): connections accepted and closed, closes by timeout,
/// pauses for back-pressure, bytes and receive descriptors. Plain fields, written by the owner core only; readers on
/// other threads get a snapshot copy that may lag.
/// </summary>
public struct ServedConnectionCounters
{
    public long Accepted;
    public long Closed;
    /// <summary>Connections closed for an idle or request timeout (<see cref="ServedConnection.IsTimedOut"/>).</summary>
    public long TimedOut;
    /// <summary>Times the owner stopped reading a connection because its receive credits were used up.</summary>
    public long Paused;
    public long RxBytes;
    public long TxBytes;
    /// <summary>Receive descriptors handed to the server.</summary>
    public long RxDescriptors;

    /// <summary>The traffic part of a run's account: "paused reading N times (back-pressure), received N B, sent N B".</summary>
    public readonly string Traffic() => $"paused reading {Paused} times (back-pressure), received {RxBytes} B, sent {TxBytes} B";
}
