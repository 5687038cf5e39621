namespace Multikernel.Drivers;

/// <summary>
/// URPC message types between a modelled NIC driver and the dispatcher behind it (a network stack or server).
/// Every data message is a descriptor: w0 = buffer index in the sender-named pool, w1 = byte count, w2 = flow
/// (a peer slot for UDP, a connection id for TCP). The bytes themselves stay in the shared <see cref="PacketPool"/>.
/// </summary>
public static class NicMessage
{
    /// <summary>Driver to stack: a received packet (or stream bytes) in the driver's receive pool. The stack must send <see cref="RxDone"/> or, for UDP echo, <see cref="Tx"/> with the same buffer.</summary>
    public const byte Rx = 1;
    /// <summary>Stack to driver: transmit w1 bytes of buffer w0 to flow w2. For UDP the buffer is the driver's (reply built in place); for TCP it is the stack's transmit pool.</summary>
    public const byte Tx = 2;
    /// <summary>Stack to driver: the stack is done with receive buffer w0.</summary>
    public const byte RxDone = 3;
    /// <summary>Driver to stack: transmit buffer w0 of the stack's pool has been sent and is free again.</summary>
    public const byte TxDone = 4;
    /// <summary>Driver to stack: connection w2 has been accepted.</summary>
    public const byte Open = 5;
    /// <summary>Driver to stack: connection w2 has closed; no more Rx for it.</summary>
    public const byte Closed = 6;
    /// <summary>Stack to driver: close connection w2 after its queued transmits.</summary>
    public const byte Close = 7;
}
