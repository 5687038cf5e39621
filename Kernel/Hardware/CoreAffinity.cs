using System.Runtime.InteropServices;

namespace Multikernel.Hardware;

/// <summary>
/// Pinning threads to cores (Linux <c>sched_setaffinity</c> on the calling thread) and reading where a thread runs.
/// The set of cores the process may use is read once, from the process's own (main-thread) mask, before any
/// thread of ours pins itself, so a pinned thread still sees the whole allowed set.
/// </summary>
public static unsafe partial class CoreAffinity
{
    const int MaskWords = 16; // 1024 CPUs

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_setaffinity(int pid, nuint cpusetsize, ulong* mask);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_getaffinity(int pid, nuint cpusetsize, ulong* mask);

    [LibraryImport("libc")]
    private static partial int sched_getcpu();

    static readonly Lazy<int[]> s_allowed = new(ReadProcessMask);

    /// <summary>The CPUs in this process's affinity mask, ascending.</summary>
    public static IReadOnlyList<int> AllowedCpus() => s_allowed.Value;

    /// <summary>The CPU the calling thread is running on now.</summary>
    public static int CurrentCpu() => sched_getcpu();

    /// <summary>
    /// Pins the calling thread to <paramref name="cpu"/>. Throws <see cref="ArgumentOutOfRangeException"/>
    /// naming the allowed CPUs when <paramref name="cpu"/> is not in the process's mask.
    /// </summary>
    public static void PinCurrentThread(int cpu)
    {
        var allowed = AllowedCpus();
        if (!allowed.Contains(cpu))
            throw new ArgumentOutOfRangeException(nameof(cpu), cpu,
                $"core {cpu} is not in this process's affinity mask; allowed cores: {FormatList(allowed)}");
        ulong* mask = stackalloc ulong[MaskWords];
        new Span<ulong>(mask, MaskWords).Clear();
        mask[cpu / 64] |= 1UL << (cpu % 64);
        if (sched_setaffinity(0, (nuint)(MaskWords * sizeof(ulong)), mask) != 0)
            throw new InvalidOperationException($"sched_setaffinity(core {cpu}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Lets the calling thread run on every allowed CPU again.</summary>
    public static void UnpinCurrentThread()
    {
        ulong* mask = stackalloc ulong[MaskWords];
        new Span<ulong>(mask, MaskWords).Clear();
        foreach (int c in AllowedCpus()) mask[c / 64] |= 1UL << (c % 64);
        sched_setaffinity(0, (nuint)(MaskWords * sizeof(ulong)), mask);
    }

    static int[] ReadProcessMask()
    {
        ulong* mask = stackalloc ulong[MaskWords];
        // pid = process id names the main thread, whose mask is the process's, whoever calls first.
        if (sched_getaffinity(Environment.ProcessId, (nuint)(MaskWords * sizeof(ulong)), mask) != 0)
            return Enumerable.Range(0, Environment.ProcessorCount).ToArray();
        var list = new List<int>();
        for (int i = 0; i < MaskWords * 64; i++)
            if ((mask[i / 64] & (1UL << (i % 64))) != 0) list.Add(i);
        return list.ToArray();
    }

    /// <summary>Formats CPU numbers compactly, e.g. [0,1,2,3,8] -> "0-3,8" (the Linux cpulist format).</summary>
    public static string FormatList(IReadOnlyList<int> cpus)
    {
        var parts = new List<string>();
        for (int i = 0; i < cpus.Count;)
        {
            int j = i;
            while (j + 1 < cpus.Count && cpus[j + 1] == cpus[j] + 1) j++;
            parts.Add(i == j ? $"{cpus[i]}" : $"{cpus[i]}-{cpus[j]}");
            i = j + 1;
        }
        return string.Join(',', parts);
    }
}
