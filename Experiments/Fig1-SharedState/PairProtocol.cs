using System.Diagnostics;
using System.Runtime.CompilerServices;
using Multikernel.Urpc;

namespace Fig1.SharedState;

/// <summary>
/// The pair benchmark's protocol between the pinger on core A and the ponger on core B: round trips of
/// <see cref="Echo"/> (B answers each with the same message), stamped one-way latency <see cref="Ping"/> /
/// <see cref="Pong"/>, then per repetition a stream of <see cref="Stream"/> messages that B acknowledges with one
/// <see cref="StreamDone"/>.
/// </summary>
public static class PairProtocol
{
    /// <summary>A to B and back unchanged: round trip <see cref="Value"/> (its index in the batch).</summary>
    public readonly record struct Echo(ulong Value) : IUrpcMessage<Echo>
    {
        public const byte TypeId = 54;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) => w[0] = Value;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Echo Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new(m[0]); }
    }

    /// <summary>A to B: A's TSC just before sending, the repetition, and whether it is warm-up.</summary>
    public readonly record struct Ping(ulong SentAt, int Repetition, bool Warmup) : IUrpcMessage<Ping>
    {
        public const byte TypeId = 50;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { w[0] = SentAt; w[1] = (ulong)Repetition; w[2] = Warmup ? 1UL : 0; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Ping Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new(m[0], (int)m[1], m[2] != 0); }
    }

    /// <summary>B to A: B's TSC just before sending.</summary>
    public readonly record struct Pong(ulong SentAt) : IUrpcMessage<Pong>
    {
        public const byte TypeId = 51;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) => w[0] = SentAt;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Pong Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new(m[0]); }
    }

    /// <summary>A to B: message <see cref="Sequence"/> of the repetition's stream.</summary>
    public readonly record struct Stream(int Sequence, bool Warmup) : IUrpcMessage<Stream>
    {
        public const byte TypeId = 52;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { w[0] = (ulong)Sequence; w[1] = Warmup ? 1UL : 0; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Stream Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new((int)m[0], m[1] != 0); }
    }

    /// <summary>B to A after the last message of a stream: how many it received.</summary>
    public readonly record struct StreamDone(int Count) : IUrpcMessage<StreamDone>
    {
        public const byte TypeId = 53;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) => w[0] = (ulong)Count;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static StreamDone Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new((int)m[0]); }
    }
}
