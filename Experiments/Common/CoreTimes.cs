using System.Globalization;

namespace Experiments.Common;

/// <summary>
/// The time every CPU has spent busy and in total (the per-CPU lines of /proc/stat, in clock ticks), so that two
/// readings give how busy a set of cores was in between (<see cref="BusySince"/>). Busy is user, nice, system, irq and
/// softirq time; idle and iowait are not busy; steal (a hypervisor running something else on the CPU) counts in
/// neither, so a VM's core that the host took away is not read as idle.
/// </summary>
public sealed class CoreTimes
{
    readonly Dictionary<int, (long Busy, long Total)> _cpus;

    CoreTimes(Dictionary<int, (long Busy, long Total)> cpus) => _cpus = cpus;

    /// <summary>The CPUs this reading has a line for.</summary>
    public IReadOnlyCollection<int> Cpus => _cpus.Keys;

    /// <summary>A reading of /proc/stat now; null where it cannot be read (not Linux).</summary>
    public static CoreTimes? Read()
    {
        try { return Parse(File.ReadAllText("/proc/stat")); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>The per-CPU lines of a /proc/stat text (<c>cpuN user nice system idle iowait irq softirq steal ...</c>).</summary>
    public static CoreTimes Parse(string procStat)
    {
        var cpus = new Dictionary<int, (long, long)>();
        foreach (string line in procStat.Split('\n'))
        {
            if (!line.StartsWith("cpu", StringComparison.Ordinal) || line.Length < 4 || !char.IsAsciiDigit(line[3])) continue;
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 9) throw new FormatException($"/proc/stat line '{line}' has fewer than 8 time fields");
            long T(int i) => long.Parse(f[i], NumberStyles.None, CultureInfo.InvariantCulture);
            long busy = T(1) + T(2) + T(3) + T(6) + T(7);
            cpus[int.Parse(f[0].AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture)] = (busy, busy + T(4) + T(5));
        }
        return new CoreTimes(cpus);
    }

    /// <summary>
    /// The fraction (0 to 1) of the time between <paramref name="earlier"/> and this reading that
    /// <paramref name="cores"/> were busy, over all of them together; NaN when no tick passed on them or a core is
    /// missing from either reading.
    /// </summary>
    public double BusySince(CoreTimes earlier, IEnumerable<int> cores)
    {
        long busy = 0, total = 0;
        foreach (int c in cores)
        {
            if (!_cpus.TryGetValue(c, out var now) || !earlier._cpus.TryGetValue(c, out var then)) return double.NaN;
            busy += now.Busy - then.Busy;
            total += now.Total - then.Total;
        }
        return total > 0 ? (double)busy / total : double.NaN;
    }
}
