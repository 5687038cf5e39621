using System.Runtime.CompilerServices;
using Multikernel.Hardware;

namespace Benchmarks.Suite;

/// <summary>
/// The benchmark-only planted slowdown: cycles to spin before every send the benchmarks make, read once from the
/// environment variable URPC_PLANTED_SEND_DELAY_CYCLES (unset or 0 in every normal run, when the JIT removes the
/// check). It exists so the regression tracker can prove that it catches a slower send path; it lives here, in the
/// <see cref="BenchmarkSender"/> the benchmarks compose around the kernel's sender, so no experiment can carry it.
/// </summary>
public static class PlantedSendDelay
{
    public const string EnvironmentVariable = "URPC_PLANTED_SEND_DELAY_CYCLES";

    public static readonly long Cycles =
        long.TryParse(Environment.GetEnvironmentVariable(EnvironmentVariable), out long d) && d > 0 ? d : 0;

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void Spin()
    {
        ulong end = CycleClock.Now() + (ulong)Cycles;
        while (CycleClock.Now() < end) { }
    }
}
