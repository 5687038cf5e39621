using System.Runtime.CompilerServices;
using Multikernel.Hardware;

namespace Fig1.SharedState;

/// <summary>The servers' polling in a run: the TSC (<see cref="CycleClock"/>) and one <c>pause</c> after a round that took nothing, as the C twin.</summary>
public readonly struct TscPolling : IServerPolling
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ulong Now() => CycleClock.Now();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Idle() => PairLoops.Pause();
}
