using System.Globalization;
using Multikernel.Hardware;

namespace Multikernel.Monitor;

/// <summary>
/// How multicast routes group cores; the same on every core, so every core builds the same tree.
/// <para>Invariant: <see cref="Kind"/> is a defined kind, and a <see cref="RoutingGroupKind.FixedSize"/> grouping
/// has a <see cref="Size"/> of at least one core (checked when it is made, not by the first route a core builds).</para>
/// </summary>
public readonly record struct RoutingGrouping(RoutingGroupKind Kind, int Size = 0)
{
    public RoutingGroupKind Kind { get; init; } = Enum.IsDefined(Kind) ? Kind
        : throw new ArgumentOutOfRangeException(nameof(Kind), Kind, $"unknown grouping kind; one of: {string.Join(", ", Enum.GetNames<RoutingGroupKind>())}");

    /// <summary>Cores per group of a <see cref="RoutingGroupKind.FixedSize"/> grouping (ignored by the other kinds).</summary>
    public int Size { get; init; } = Kind != RoutingGroupKind.FixedSize || Size >= 1 ? Size
        : throw new ArgumentOutOfRangeException(nameof(Size), Size, "a fixed multicast group needs at least one core");

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

    /// <summary>Parses "package", "l3" (any case) or a whole number n (groups of n consecutive cores); blanks around the text are ignored.</summary>
    public static bool TryParse(string? text, out RoutingGrouping grouping)
    {
        grouping = Package;
        switch (text?.Trim().ToLowerInvariant())
        {
            case "package": return true;
            case "l3": grouping = L3Domain; return true;
        }
        if (int.TryParse(text?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1)
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
