using System.Diagnostics;
using System.Runtime.CompilerServices;
using Multikernel.Domains;
using Multikernel.Urpc;

namespace Multikernel.ParallelLoops;

/// <summary>
/// The fork-join protocol between the dispatchers of one domain (a layer above the domain: its types start at
/// <see cref="DomainMessages.FirstLayerType"/>). A region is named by its master (the sender of the fork, or a named
/// index), the slot of its job in the master's job table and the job's sequence number; chunks travel as indices.
/// </summary>
public static class ForkJoinMessages
{
    /// <summary>Every type this family uses, for <see cref="IDomainLayer.MessageTypes"/>.</summary>
    public static ReadOnlySpan<byte> Types => [Fork.TypeId, StealRequest.TypeId, StealReply.TypeId, Finished.TypeId];

    /// <summary>Master to worker: run chunks [First, End) of the job in slot <see cref="Slot"/> of the sender's table.</summary>
    public readonly record struct Fork(int Slot, uint Seq, int First, int End) : IUrpcMessage<Fork>
    {
        public const byte TypeId = DomainMessages.FirstLayerType;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { w[0] = (ulong)Slot; w[1] = Seq; w[2] = (ulong)First; w[3] = (ulong)End; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Fork Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new((int)m[0], (uint)m[1], (int)m[2], (int)m[3]); }
    }

    /// <summary>Thief to victim: give me chunks of the region (<see cref="Master"/>, <see cref="Slot"/>, <see cref="Seq"/>).</summary>
    public readonly record struct StealRequest(int Master, int Slot, uint Seq) : IUrpcMessage<StealRequest>
    {
        public const byte TypeId = DomainMessages.FirstLayerType + 1;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { w[0] = (ulong)Master; w[1] = (ulong)Slot; w[2] = Seq; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static StealRequest Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new((int)m[0], (int)m[1], (uint)m[2]); }
    }

    /// <summary>Victim to thief: chunks [First, End) of the region are now the thief's (empty: none to spare).</summary>
    public readonly record struct StealReply(int Master, int Slot, uint Seq, int First, int End) : IUrpcMessage<StealReply>
    {
        public const byte TypeId = DomainMessages.FirstLayerType + 2;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { w[0] = (ulong)Master; w[1] = (ulong)Slot; w[2] = Seq; w[3] = (ulong)First; w[4] = (ulong)End; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static StealReply Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new((int)m[0], (int)m[1], (uint)m[2], (int)m[3], (int)m[4]); }
    }

    /// <summary>Worker to master: done with the job in slot <see cref="Slot"/> of the master's table.</summary>
    public readonly record struct Finished(int Slot, uint Seq) : IUrpcMessage<Finished>
    {
        public const byte TypeId = DomainMessages.FirstLayerType + 3;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { w[0] = (ulong)Slot; w[1] = Seq; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Finished Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new((int)m[0], (uint)m[1]); }
    }
}
