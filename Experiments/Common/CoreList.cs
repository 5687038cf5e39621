using Multikernel.Hardware;

namespace Experiments.Common;

/// <summary>
/// Parses core lists such as "0-3,8,10-11" or "all" and checks them against the cores this process may use. The one
/// parser of the suite: the programs' --cores use it, and run-all.sh asks it through <c>topology --check-cores</c>.
/// Rules: "all" (any case), or comma-separated elements, each a core number or a range lo-hi with lo &lt;= hi, written
/// in decimal digits only (leading zeros allowed: "00" is core 0; spaces around an element are ignored); every core must
/// be in <c>allowed</c> and listed once; an empty list or element is refused. An element is read by
/// <see cref="MachineTopology.TryParseCpuRange"/>, the rule of the sysfs CPU lists too.
/// </summary>
public static class CoreList
{
    /// <summary>Parses <paramref name="text"/>; throws <see cref="FormatException"/> naming the bad token and what is allowed.</summary>
    public static int[] Parse(string text, IReadOnlyList<int> allowed, string optionName = "--cores")
    {
        string allowedText = Format(allowed);
        if (string.IsNullOrWhiteSpace(text))
            throw new FormatException($"{optionName}: empty list; give 'all' or a list such as 0-3,8 (allowed cores: {allowedText})");
        if (text.Trim().Equals("all", StringComparison.OrdinalIgnoreCase))
            return allowed.ToArray();
        var result = new List<int>();
        foreach (var raw in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (raw.Length == 0) throw new FormatException($"{optionName}: empty element in '{text}'; use a list such as 0-3,8 (allowed cores: {allowedText})");
            if (!MachineTopology.TryParseCpuRange(raw, out int lo, out int hi))
                throw new FormatException(raw.Contains('-')
                    ? $"{optionName}: '{raw}' is not a range lo-hi with 0 <= lo <= hi (allowed cores: {allowedText})"
                    : $"{optionName}: '{raw}' is not a core number; use a list such as 0-3,8 (allowed cores: {allowedText})");
            for (int c = lo; c <= hi; c++)
            {
                if (!allowed.Contains(c)) throw new FormatException($"{optionName}: core {c} is not in this process's affinity mask (allowed cores: {allowedText})");
                if (result.Contains(c)) throw new FormatException($"{optionName}: core {c} is listed twice in '{text}'");
                result.Add(c);
            }
        }
        return result.ToArray();
    }

    /// <summary>
    /// Formats a list of cores in the order given, runs of consecutive cores compactly: [0,1,2,3,8] -> "0-3,8",
    /// [1,0] -> "1,0". The order is kept because the programs give roles by position (the first core is Fig 1's server
    /// and Fig 3's initiator; a k-core point runs on the first k), and <see cref="Parse"/> reads it back the same.
    /// </summary>
    public static string Format(IReadOnlyList<int> cores) => CoreAffinity.FormatList(cores);

    /// <summary>The core counts of a scaling sweep over <paramref name="cores"/>: 1, 2, 4, ... and the total.</summary>
    public static int[] SweepCounts(int total, bool quick)
    {
        var counts = new List<int>();
        for (int k = 1; k <= total; k = quick ? k * 2 : (k < 4 ? k + 1 : k + Math.Max(2, k / 4))) counts.Add(k);
        if (counts[^1] != total) counts.Add(total);
        return counts.ToArray();
    }

    /// <summary>The cores this process may run on, from the kernel's view of the machine.</summary>
    public static IReadOnlyList<int> Allowed() => CoreAffinity.AllowedCpus();
}
