using System.Diagnostics;
using System.Runtime.CompilerServices;
using Multikernel.Net.Nic;
using Multikernel.Urpc;

namespace Multikernel.Net.Cores;

/// <summary>
/// URPC messages between the ring NIC driver (<see cref="RingNicDriver"/>) and the stack core
/// (<see cref="NetStackDispatcher"/>). Every one is a descriptor: a received frame stays in the driver's receive ring
/// (named by <see cref="RxFrame"/>), a frame to send lies in the stack's transmit frame pool (named by its buffer
/// index); only the descriptor crosses cores. Words: block/buffer, offset, length, flags; the answers that hand
/// slots and buffers back (<see cref="RxRelease"/>, <see cref="TxDone"/>) carry a batch of indices each.
/// </summary>
public static class FrameMessages
{
    /// <summary>Driver to stack: a received frame, in place in the receive ring. The stack answers <see cref="RxRelease"/>.</summary>
    public readonly record struct Rx(RxFrame Frame) : IUrpcMessage<Rx>
    {
        public const byte TypeId = 16;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Encode(ref UrpcPayload w) { w[0] = (ulong)Frame.Block; w[1] = (ulong)Frame.Offset; w[2] = (ulong)Frame.Length; w[3] = (ulong)Frame.Flags; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Rx Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new(new RxFrame((int)m[0], (int)m[1], (int)m[2], (RxFrameFlags)m[3])); }
    }

    /// <summary>Stack to driver: the stack has processed these frames (their receive ring slots or blocks, in the order
    /// taken); the driver gives them back to the kernel. One message per batch of up to <see cref="FrameIndexBatch.Capacity"/>.</summary>
    public readonly record struct RxRelease(FrameIndexBatch Blocks) : IUrpcMessage<RxRelease>
    {
        public const byte TypeId = 17;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) => Blocks.Encode(ref w);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static RxRelease Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new(FrameIndexBatch.Decode(in m)); }
    }

    /// <summary>Stack to driver: send the first <see cref="Length"/> bytes of buffer <see cref="Buffer"/> of the stack's transmit frame pool.</summary>
    public readonly record struct Tx(int Buffer, int Length) : IUrpcMessage<Tx>
    {
        public const byte TypeId = 18;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { w[0] = (ulong)Buffer; w[2] = (ulong)Length; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Tx Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new((int)m[0], (int)m[2]); }
    }

    /// <summary>Driver to stack: the frames in these buffers are in the transmit ring; the buffers are free again. One
    /// message per batch of up to <see cref="FrameIndexBatch.Capacity"/>.</summary>
    public readonly record struct TxDone(FrameIndexBatch Buffers) : IUrpcMessage<TxDone>
    {
        public const byte TypeId = 19;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) => Buffers.Encode(ref w);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TxDone Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new(FrameIndexBatch.Decode(in m)); }
    }
}
