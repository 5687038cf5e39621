using System.Globalization;
using Multikernel.Hardware;

namespace Multikernel.Monitor;

/// <summary>How multicast routes group cores; the same on every core, so every core builds the same tree.</summary>
public readonly record struct RoutingGrouping(RoutingGroupKind Kind, int Size = 0)
{
    public static readonly RoutingGrouping Package = new(RoutingGroupKind.Package);
    public static readonly RoutingGrouping L3Domain = new(RoutingGroupKind.L3Domain);

    public static RoutingGrouping Fixed(int size) => size >= 1 ? new(RoutingGroupKind.FixedSize, size)
        : throw new ArgumentOutOfRangeException(nameof(size), size, "a fixed multicast group needs at least one core");

    /// <summary>The group key of core index <paramref name="core"/>, OS CPU <paramref name="cpu"/>.</summary>
    public int GroupOf(MachineTopology topology, int core, int cpu) => Kind switch
    {
        RoutingGroupKind.Package => topology[cpu].Package,
        RoutingGroupKind.L3Domain => topology[cpu].L3Domain,
        RoutingGroupKind.FixedSize => core / Size,
        _ => throw new InvalidOperationException($"unknown grouping {Kind}"),
    };

    /// <summary>Parses "package", "l3" or a whole number n (groups of n consecutive cores).</summary>
    public static bool TryParse(string? text, out RoutingGrouping grouping)
    {
        grouping = Package;
        switch (text?.Trim().ToLowerInvariant())
        {
            case "package": return true;
            case "l3": grouping = L3Domain; return true;
        }
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1)
        {
            grouping = Fixed(n);
            return true;
        }
        return false;
    }

    public override string ToString() => Kind switch
    {
        RoutingGroupKind.Package => "package",
        RoutingGroupKind.L3Domain => "l3",
        _ => Size.ToString(CultureInfo.InvariantCulture),
    };
}
