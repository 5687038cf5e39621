using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Multikernel.Hardware;

/// <summary>
/// A cycle counter: the x86 time-stamp counter read by a 10-byte <c>rdtsc</c> stub called through an
/// unmanaged function pointer, calibrated against the monotonic clock at start-up. Where no invariant TSC is
/// usable (not x86-64, or the CPU lacks constant_tsc), it falls back to <see cref="Stopwatch"/> ticks and says so
/// in <see cref="Source"/>; <see cref="Frequency"/> is then the Stopwatch frequency.
/// </summary>
public static unsafe partial class CycleClock
{
    static readonly delegate* unmanaged[SuppressGCTransition]<ulong> s_rdtsc;

    /// <summary>Counter ticks per second (the TSC frequency where the TSC is used).</summary>
    public static readonly double Frequency;
    /// <summary>"tsc" or "stopwatch".</summary>
    public static readonly string Source;
    /// <summary>
    /// Environment variable through which a process-mode boot process hands its calibrated TSC frequency to the core
    /// processes it starts: they skip the 60 ms calibration and convert cycles exactly as the boot process does.
    /// </summary>
    public const string FrequencyVariable = "MULTIKERNEL_TSC_HZ";

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint mmap(nint addr, nuint length, int prot, int flags, int fd, nint offset);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int mprotect(nint addr, nuint len, int prot);

    static CycleClock()
    {
        if (RuntimeInformation.ProcessArchitecture == Architecture.X64 && HasInvariantTsc()
            && Environment.GetEnvironmentVariable("REPRO_NO_TSC") != "1")
        {
            s_rdtsc = MakeRdtscStub();
            if (s_rdtsc != null)
            {
                Frequency = double.TryParse(Environment.GetEnvironmentVariable(FrequencyVariable), System.Globalization.NumberStyles.Float,
                    System.Globalization.CultureInfo.InvariantCulture, out double given) && given > 1e6 ? given : Calibrate();
                Source = "tsc";
                return;
            }
        }
        Frequency = Stopwatch.Frequency;
        Source = "stopwatch";
    }

    /// <summary>The current counter value. Inlined, so that a clock read is one direct call to the stub (the JIT
    /// leaves it a call otherwise, and a measuring loop then makes two calls per read where C executes rdtsc inline).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Now() => s_rdtsc != null ? s_rdtsc() : (ulong)Stopwatch.GetTimestamp();

    /// <summary>
    /// The counter read once every earlier load has completed: <c>lfence</c>, then <see cref="Now"/> (Linux's
    /// <c>rdtsc_ordered</c>). <c>rdtsc</c> is not ordered with the loads before it, so a plain read that ends a short
    /// timed region can be taken before the region's cache misses have been served and leave them out; an ordered read
    /// ends the region after them. Stores are not waited for (<c>lfence</c> does not drain the store buffer).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong NowOrdered()
    {
        if (Sse2.IsSupported) Sse2.LoadFence();
        return Now();
    }

    /// <summary>Converts a count of ticks to nanoseconds.</summary>
    public static double ToNanoseconds(double ticks) => ticks * 1e9 / Frequency;

    /// <summary>Converts nanoseconds to ticks.</summary>
    public static double FromNanoseconds(double ns) => ns * Frequency / 1e9;

    static bool HasInvariantTsc()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("flags", StringComparison.Ordinal))
                    return line.Contains(" constant_tsc", StringComparison.Ordinal) && line.Contains(" tsc", StringComparison.Ordinal);
        }
        catch (IOException) { }
        return false;
    }

    static delegate* unmanaged[SuppressGCTransition]<ulong> MakeRdtscStub()
    {
        // rdtsc; shl rdx, 32; or rax, rdx; ret
        ReadOnlySpan<byte> code = [0x0F, 0x31, 0x48, 0xC1, 0xE2, 0x20, 0x48, 0x09, 0xD0, 0xC3];
        const int PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20;
        nint page = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (page == -1) return null;
        code.CopyTo(new Span<byte>((void*)page, code.Length));
        if (mprotect(page, 4096, PROT_READ | PROT_EXEC) != 0) return null;
        return (delegate* unmanaged[SuppressGCTransition]<ulong>)page;
    }

    static double Calibrate()
    {
        // Three 20 ms windows against the monotonic clock; the median removes a window hit by preemption.
        Span<double> f = stackalloc double[3];
        for (int i = 0; i < f.Length; i++)
        {
            long s0 = Stopwatch.GetTimestamp();
            ulong t0 = s_rdtsc();
            while (Stopwatch.GetTimestamp() - s0 < Stopwatch.Frequency / 50) { }
            ulong t1 = s_rdtsc();
            long s1 = Stopwatch.GetTimestamp();
            f[i] = (t1 - t0) / ((double)(s1 - s0) / Stopwatch.Frequency);
        }
        f.Sort();
        return f[1];
    }
}
