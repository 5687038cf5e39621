using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using Multikernel.Hardware;
using Multikernel.Urpc;

namespace Fig1.SharedState;

/// <summary>
/// The round-trip loops of the URPC pair benchmark, shared by the dispatcher pair (<see cref="UrpcPinger"/>,
/// <see cref="UrpcPonger"/>) and the bare-ring reference (<see cref="BareRingReference"/>), so that the two differ
/// only in what runs around them. Both ends poll with <c>pause</c> between empty polls, as urpc-vs-native's C# ring
/// and its C reference do. A batch is timed by one TSC pair around all its round trips: no clock read per message.
/// </summary>
public static class PairLoops
{
    /// <summary>
    /// Core A: <paramref name="count"/> round trips of <see cref="PairProtocol.Echo"/>, each checked (type and index).
    /// Returns the batch's cycles, or throws <see cref="InvalidDataException"/> on a wrong answer.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static ulong RoundTrips(UrpcSender toB, UrpcReceiver fromB, int count)
    {
        var guard = new StallGuard();
        ulong t0 = CycleClock.Now();
        for (int i = 0; i < count; i++)
        {
            toB.Send(new PairProtocol.Echo((ulong)i));
            UrpcMessage m;
            while (!fromB.TryReceive(out m))
            {
                Pause();
                guard.Spin("an echo");
            }
            guard.Progress();
            if (m.Type != PairProtocol.Echo.TypeId || m[0] != (ulong)i) WrongEcho(in m, i);
        }
        return CycleClock.Now() - t0;
    }

    /// <summary>Core B: answers <paramref name="count"/> messages, each with the message itself.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Echoes(UrpcSender toA, UrpcReceiver fromA, int count)
    {
        var guard = new StallGuard();
        for (int i = 0; i < count; i++)
        {
            UrpcMessage m;
            while (!fromA.TryReceive(out m))
            {
                Pause();
                guard.Spin("an echo request");
            }
            guard.Progress();
            toA.Send(in m);
        }
    }

    /// <summary>The pause between empty polls (the instruction the C reference uses: <c>_mm_pause</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Pause()
    {
        if (X86Base.IsSupported) X86Base.Pause();
        else Thread.SpinWait(1);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void WrongEcho(in UrpcMessage m, int i) =>
        throw new InvalidDataException($"round trip {i}: the echo came back as type {m.Type} with value {m[0]}");
}
