using System.Diagnostics;
using System.Runtime.CompilerServices;
using Multikernel.Urpc;

namespace Multikernel.Drivers;

/// <summary>
/// URPC messages between a modelled NIC driver and the dispatcher behind it (a network stack or server). Every data
/// message is a descriptor: a buffer index in the sender-named <see cref="PacketPool"/>, a byte count and a flow (a
/// peer slot for UDP, a connection id for TCP); the bytes themselves stay in the shared pool. Words: buffer, length,
/// flow, then (TCP transmit only) the offset in the buffer.
/// </summary>
public static class NicMessages
{
    /// <summary>Driver to stack: a received packet (or stream bytes) in the driver's receive pool. The stack answers <see cref="RxDone"/> or, for UDP echo, <see cref="Tx"/> with the same buffer.</summary>
    public readonly record struct Rx(int Buffer, int Length, ulong Flow) : IUrpcMessage<Rx>
    {
        public const byte TypeId = 1;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { w[0] = (ulong)Buffer; w[1] = (ulong)Length; w[2] = Flow; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Rx Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new((int)m[0], (int)m[1], m[2]); }
    }

    /// <summary>
    /// Stack to driver: transmit <see cref="Length"/> bytes from <see cref="Offset"/> of buffer <see cref="Buffer"/> to
    /// flow <see cref="Flow"/>. For UDP the buffer is the driver's (reply built in place, offset 0); for TCP it is the
    /// stack's transmit pool.
    /// </summary>
    public readonly record struct Tx(int Buffer, int Length, ulong Flow, int Offset = 0) : IUrpcMessage<Tx>
    {
        public const byte TypeId = 2;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { w[0] = (ulong)Buffer; w[1] = (ulong)Length; w[2] = Flow; w[3] = (ulong)Offset; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Tx Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new((int)m[0], (int)m[1], m[2], (int)m[3]); }
    }

    /// <summary>Stack to driver: the stack is done with receive buffer <see cref="Buffer"/> (of flow <see cref="Flow"/>).</summary>
    public readonly record struct RxDone(int Buffer, ulong Flow) : IUrpcMessage<RxDone>
    {
        public const byte TypeId = 3;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { w[0] = (ulong)Buffer; w[2] = Flow; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static RxDone Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new((int)m[0], m[2]); }
    }

    /// <summary>Driver to stack: transmit buffer <see cref="Buffer"/> of the stack's pool has been sent (or dropped with its connection) and is free again.</summary>
    public readonly record struct TxDone(int Buffer, ulong Flow) : IUrpcMessage<TxDone>
    {
        public const byte TypeId = 4;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { w[0] = (ulong)Buffer; w[2] = Flow; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TxDone Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new((int)m[0], m[2]); }
    }

    /// <summary>Driver to stack: connection <see cref="Flow"/> has been accepted.</summary>
    public readonly record struct Open(ulong Flow) : IUrpcMessage<Open>
    {
        public const byte TypeId = 5;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) => w[2] = Flow;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Open Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new(m[2]); }
    }

    /// <summary>Driver to stack: connection <see cref="Flow"/> has closed; no more <see cref="Rx"/> for it.</summary>
    public readonly record struct Closed(ulong Flow) : IUrpcMessage<Closed>
    {
        public const byte TypeId = 6;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) => w[2] = Flow;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Closed Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new(m[2]); }
    }

    /// <summary>Driver to stack: the peer of connection <see cref="Flow"/> has ended its sending side (end-of-stream
    /// after every byte was read); no more <see cref="Rx"/> for it, but responses to the requests already received are
    /// still written. The stack answers <see cref="Close"/> once it has nothing more to answer.</summary>
    public readonly record struct ReadEnd(ulong Flow) : IUrpcMessage<ReadEnd>
    {
        public const byte TypeId = 8;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) => w[2] = Flow;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ReadEnd Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new(m[2]); }
    }

    /// <summary>Stack to driver: close connection <see cref="Flow"/> after its queued transmits.</summary>
    public readonly record struct Close(ulong Flow) : IUrpcMessage<Close>
    {
        public const byte TypeId = 7;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) => w[2] = Flow;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Close Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new(m[2]); }
    }
}
