using System.Diagnostics;
using System.Runtime.CompilerServices;
using Multikernel.Urpc;

namespace Benchmarks.Suite;

/// <summary>
/// The benchmark protocol between the benchmark thread and its <see cref="UrpcPeer"/>, and between the benchmark
/// thread and the LRPC batch caller. The latency messages fill the whole line (a value, then the filler words 1..6),
/// as the paper's 7-word payload does.
/// </summary>
public static class PeerMessages
{
    /// <summary>
    /// The latency messages' payload: <paramref name="value"/> in word 0, the filler 1..6 in words 1..6. Inlined into
    /// each message's Encode, so a send stores the same seven words as a body written out in the message would.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void WriteValueAndFiller(ref UrpcPayload w, ulong value) { w[0] = value; w[1] = 1; w[2] = 2; w[3] = 3; w[4] = 4; w[5] = 5; w[6] = 6; }

    /// <summary>Answered with the same payload.</summary>
    public readonly record struct Echo(ulong Value) : IUrpcMessage<Echo>
    {
        public const byte TypeId = 1;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) => WriteValueAndFiller(ref w, Value);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Echo Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new(m[0]); }
    }

    /// <summary>Carries a TSC: the benchmark thread's at sending; the peer answers with (its TSC at receipt − that).</summary>
    public readonly record struct Stamp(ulong Value) : IUrpcMessage<Stamp>
    {
        public const byte TypeId = 2;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) => WriteValueAndFiller(ref w, Value);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Stamp Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new(m[0]); }
    }

    /// <summary>Consumed without an answer (pipelined throughput).</summary>
    public readonly record struct Sink(ulong Value) : IUrpcMessage<Sink>
    {
        public const byte TypeId = 3;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) => WriteValueAndFiller(ref w, Value);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Sink Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new(m[0]); }
    }

    /// <summary>Ends the peer loop.</summary>
    public readonly record struct Stop : IUrpcMessage<Stop>
    {
        public const byte TypeId = 4;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Stop Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return default; }
    }

    /// <summary>Benchmark thread to the LRPC batch caller: make <see cref="Calls"/> LRPC calls.</summary>
    public readonly record struct LrpcBatch(int Calls) : IUrpcMessage<LrpcBatch>
    {
        public const byte TypeId = 5;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) => w[0] = (ulong)Calls;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static LrpcBatch Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new((int)m[0]); }
    }

    /// <summary>The LRPC batch caller's answer: how many results were wrong (0).</summary>
    public readonly record struct LrpcBatchDone(ulong WrongResults) : IUrpcMessage<LrpcBatchDone>
    {
        public const byte TypeId = 6;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) => w[0] = WrongResults;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static LrpcBatchDone Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new(m[0]); }
    }
}
