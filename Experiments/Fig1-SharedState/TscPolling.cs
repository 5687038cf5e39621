using System.Runtime.CompilerServices;
using Multikernel.Hardware;

namespace Fig1.SharedState;

/// <summary>The servers' polling in a run: the TSC read ordered after the round's loads (<see cref="CycleClock.NowOrdered"/>, as <see cref="ServerCostMeter"/> reads it) and one <c>pause</c> after a round that took nothing, as the C twin.</summary>
public readonly struct TscPolling : IServerPolling
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ulong Now() => CycleClock.NowOrdered();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Idle() => PairLoops.Pause();
}
