using System.Diagnostics;
using System.Runtime.CompilerServices;
using Multikernel.Urpc;

namespace Fig1.SharedState;

/// <summary>
/// The one-line URPC protocol between MSG clients and the server that owns the shared lines: a client sends
/// <see cref="Request"/>s and the server answers each with a <see cref="Reply"/>, in order.
/// </summary>
public static class UpdateProtocol
{
    /// <summary>Ring size of each client's binding.</summary>
    public const int RingSlots = 16;

    /// <summary>
    /// The largest window that never makes a sender find the ring full: the receiver acknowledges lazily, every
    /// quarter ring, so up to a quarter ring minus one consumed slots may still count as used.
    /// </summary>
    public const int MaxWindow = RingSlots - RingSlots / 4;

    /// <summary>Throws unless <paramref name="window"/> (requests a client keeps in flight) is 1..<see cref="MaxWindow"/>.</summary>
    public static void CheckWindow(int window)
    {
        if (window < 1 || window > MaxWindow)
            throw new ArgumentOutOfRangeException(nameof(window), window, $"window must be 1..{MaxWindow}");
    }

    /// <summary>How long a participant waits without progress before it gives up (a peer died or a bug).</summary>
    public static readonly TimeSpan Stall = TimeSpan.FromSeconds(60);

    /// <summary>Update every line once. <see cref="Tag"/>: the client's request counter (0, 1, 2, ...); <see cref="Warmup"/>: the server does not time it.</summary>
    public readonly record struct Request(ulong Tag, bool Warmup) : IUrpcMessage<Request>
    {
        public const byte TypeId = 40;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { w[0] = Tag; w[1] = Warmup ? 1UL : 0; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Request Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new(m[0], m[1] != 0); }
    }

    /// <summary>
    /// The answer to request <see cref="Tag"/>: the value of the first and of the last line after the server applied
    /// it. The server increments every line by one per update, so both are the number of updates applied so far.
    /// </summary>
    public readonly record struct Reply(ulong Tag, ulong FirstLine, ulong LastLine) : IUrpcMessage<Reply>
    {
        public const byte TypeId = 41;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { w[0] = Tag; w[1] = FirstLine; w[2] = LastLine; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Reply Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new(m[0], m[1], m[2]); }
    }
}
