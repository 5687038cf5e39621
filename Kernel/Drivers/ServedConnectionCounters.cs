namespace Multikernel.Drivers;

/// <summary>
/// What the owner of a <see cref="ServedConnection"/> table counts (the socket driver <see cref="TcpNicDriver"/> and
/// the user-level stack's <c>Net.Cores.TcpStreamBridge</c> alike): connections accepted and closed, closes by timeout,
/// pauses for back-pressure, bytes and receive descriptors, lingering closes and the bytes they dropped. Plain fields, written by the owner core only; readers on
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
    /// <summary>Connections the server closed that lingered (sending side shut, reading to discard) before their close.</summary>
    public long Lingered;
    /// <summary>Bytes the client sent after the server closed, read and dropped while its connection lingered.</summary>
    public long DiscardedBytes;

    /// <summary>The traffic part of a run's account: "paused reading N times (back-pressure), received N B, sent N B".</summary>
    public readonly string Traffic() => $"paused reading {Paused} times (back-pressure), received {RxBytes} B, sent {TxBytes} B";

    /// <summary>The lingering part of a run's account: "N closed by the server after lingering, N bytes discarded while lingering".</summary>
    public readonly string Lingering() => $"{Lingered} closed by the server after lingering, {DiscardedBytes} bytes discarded while lingering";
}
