using System.Runtime.InteropServices;

namespace Experiments.Common;

/// <summary>
/// How often the OS took the calling thread off its core against its will (Linux <c>getrusage(RUSAGE_THREAD)</c>,
/// <c>ru_nivcsw</c>). A measuring thread reads it before and after a timed phase: a difference means the phase
/// includes time the thread was not running (another process had the core), so the sample is disturbed.
/// Returns -1 where the call is not available.
/// </summary>
public static unsafe partial class ContextSwitches
{
    const int RUSAGE_THREAD = 1;
    // struct rusage on 64-bit Linux: two struct timeval (16 bytes each), then 14 longs; ru_nivcsw is the last.
    const int RusageBytes = 32 + 14 * 8;
    const int NivcswOffset = 32 + 13 * 8;

    [LibraryImport("libc")]
    private static partial int getrusage(int who, byte* usage);

    public static long InvoluntaryOfThisThread()
    {
        if (!OperatingSystem.IsLinux()) return -1;
        byte* buf = stackalloc byte[RusageBytes];
        return getrusage(RUSAGE_THREAD, buf) == 0 ? *(long*)(buf + NivcswOffset) : -1;
    }
}
