using System.Globalization;
using System.Text;

namespace Multikernel.Net.Wire;

/// <summary>
/// The kernel's text form of a CPU set as sysfs reads and writes it (e.g. <c>/sys/class/net/IF/queues/rx-0/rps_cpus</c>):
/// hexadecimal, in groups of 32 CPUs separated by commas, the highest group first (<c>"ffff,00000001"</c>: CPUs 0
/// and 32-47). The kernel pads the groups it prints with zeros to its own CPU count; <see cref="Parse"/> takes any
/// padding.
/// </summary>
public static class CpuBitmap
{
    /// <summary>The bitmap of <paramref name="cpus"/> (each 0 to 4095; at least one).</summary>
    public static string Format(IEnumerable<int> cpus)
    {
        var set = cpus.ToArray();
        if (set.Length == 0) throw new ArgumentException("a CPU bitmap needs at least one CPU", nameof(cpus));
        foreach (int c in set)
            if (c is < 0 or > 4095) throw new ArgumentOutOfRangeException(nameof(cpus), c, "CPU numbers are 0 to 4095");
        var groups = new uint[set.Max() / 32 + 1];
        foreach (int c in set) groups[c / 32] |= 1u << (c % 32);
        var text = new StringBuilder(groups[^1].ToString("x", CultureInfo.InvariantCulture));
        for (int g = groups.Length - 2; g >= 0; g--) text.Append(',').Append(groups[g].ToString("x8", CultureInfo.InvariantCulture));
        return text.ToString();
    }

    /// <summary>The CPUs set in <paramref name="bitmap"/>, in ascending order; throws <see cref="FormatException"/> on text that is not a bitmap.</summary>
    public static int[] Parse(string bitmap)
    {
        string[] groups = bitmap.Trim().Split(',');
        var cpus = new List<int>();
        for (int g = 0; g < groups.Length; g++)
        {
            string group = groups[groups.Length - 1 - g];
            if (group.Length is 0 or > 8 || !uint.TryParse(group, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint bits))
                throw new FormatException($"'{bitmap}' is not a CPU bitmap (comma-separated groups of 1 to 8 hex digits)");
            for (int b = 0; b < 32; b++)
                if ((bits >> b & 1) != 0) cpus.Add(g * 32 + b);
        }
        return cpus.ToArray();
    }
}
