using System.Globalization;

namespace Fig3.TlbShootdown;

/// <summary>
/// The host kernel's count of TLB-shootdown interrupts each CPU has received (the "TLB" line of /proc/interrupts on
/// x86 Linux). Read before and after a Linux baseline point, the difference on the other cores shows that the kernel
/// really shot their TLBs down (it counts interrupts from every process, so it is an upper bound for ours).
/// </summary>
public static class TlbShootdownInterrupts
{
    /// <summary>CPU number -> interrupts received so far, or null where the line is not available.</summary>
    public static Dictionary<int, long>? Snapshot(string path = "/proc/interrupts")
    {
        try
        {
            var lines = File.ReadAllLines(path);
            if (lines.Length == 0) return null;
            var cpus = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(h => h.StartsWith("CPU", StringComparison.Ordinal) && int.TryParse(h[3..], NumberStyles.None, CultureInfo.InvariantCulture, out int c) ? c : -1).ToArray();
            var tlb = lines.FirstOrDefault(l => l.TrimStart().StartsWith("TLB:", StringComparison.Ordinal));
            if (tlb == null) return null;
            var fields = tlb[(tlb.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var counts = new Dictionary<int, long>();
            for (int i = 0; i < cpus.Length && i < fields.Length; i++)
                if (cpus[i] >= 0 && long.TryParse(fields[i], NumberStyles.None, CultureInfo.InvariantCulture, out long n)) counts[cpus[i]] = n;
            return counts;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>
    /// Interrupts each of <paramref name="cores"/> received per call, averaged over them: 1.0 where the kernel shot every
    /// other core's TLB down by IPI after each of <paramref name="calls"/> calls; null where a count is missing.
    /// </summary>
    public static double? PerCall(Dictionary<int, long>? before, Dictionary<int, long>? after, IReadOnlyList<int> cores, long calls)
    {
        if (before == null || after == null || cores.Count == 0 || calls <= 0) return null;
        long sum = 0;
        foreach (int c in cores)
        {
            if (!before.TryGetValue(c, out long b) || !after.TryGetValue(c, out long a)) return null;
            sum += a - b;
        }
        return (double)sum / cores.Count / calls;
    }

    /// <summary>"TLB-shootdown interrupts received during the point: core 1: 51234, ..." or why they are unknown.</summary>
    public static string Describe(Dictionary<int, long>? before, Dictionary<int, long>? after, IReadOnlyList<int> cores, string calls, string who = "the other cores")
    {
        if (cores.Count == 0) return "no other core";
        if (before == null || after == null) return "TLB-shootdown interrupt counts unavailable (no TLB line in /proc/interrupts)";
        var parts = cores.Select(c => before.TryGetValue(c, out long b) && after.TryGetValue(c, out long a) ? $"core {c}: {a - b}" : $"core {c}: unknown");
        return $"TLB-shootdown interrupts {who} received during the point's {calls} (/proc/interrupts, from any process): {string.Join(", ", parts)}";
    }
}
