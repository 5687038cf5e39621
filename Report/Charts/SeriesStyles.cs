using Report.Catalog;

namespace Report.Charts;

/// <summary>
/// The same series looks the same in every figure and every run: a fixed colour and marker per series the report
/// knows (the multikernel in red everywhere, the host baselines in blues and purples, SHMn in blues, MSGn in reds),
/// the same colour with its own dash for a variant of a series (-atomic, -pipelined, -raw, (processes), and Param
/// variants such as mmu=modelled), a ratio over a known series ("mk [over=host]") in that series' colour and marker,
/// and for any other name a colour picked by a stable hash of the name.
/// Every colour is in <see cref="Palette"/>, which tests/e2e/PdfCheck counts to tell a plotted chart from an empty one.
/// </summary>
public static class SeriesStyles
{
    /// <summary>Every colour a curve or bar can get: saturated, far from the greys of text, axes and guides.</summary>
    public static readonly string[] Palette =
    [
        "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
        "#6baed6", "#08306b", "#fb6a4a", "#74c476", "#fdae6b", "#a50f15",
    ];

    const string Blue = "#1f77b4", Red = "#d62728", Green = "#2ca02c", Orange = "#ff7f0e", Purple = "#9467bd",
        Brown = "#8c564b", Pink = "#e377c2", Cyan = "#17becf", LightBlue = "#6baed6", Navy = "#08306b",
        Salmon = "#fb6a4a", LightGreen = "#74c476", LightOrange = "#fdae6b";

    /// <summary>Colour and marker of the series the report knows, by name (for "A/B" names: by B, e.g. the runtime "mk").</summary>
    static readonly Dictionary<string, (string Colour, string Symbol)> Known = new(StringComparer.OrdinalIgnoreCase)
    {
        // Fig 1 (paper Fig 3)
        ["SHM1"] = (LightBlue, "circle"), ["SHM2"] = (Blue, "square"), ["SHM4"] = (Cyan, "triangle-up"), ["SHM8"] = (Navy, "diamond"),
        ["MSG1"] = (Salmon, "circle"), ["MSG8"] = (Red, "square"),
        ["Server"] = (Green, "triangle-down"), ["Server8"] = (Green, "triangle-down"), ["Server1"] = (LightGreen, "triangle-down"),
        ["lock1"] = (LightOrange, "x"), ["lock8"] = (Orange, "x"), ["spinlock1"] = (Pink, "cross"), ["spinlock8"] = (Purple, "cross"),
        // Compute runtimes and IO servers: the multikernel red, the host's in other colours.
        ["mk"] = (Red, "circle"), ["host"] = (Blue, "square"), ["pinned"] = (Purple, "triangle-up"), ["host-spin"] = (Cyan, "diamond"),
        ["kestrel"] = (Purple, "triangle-up"), ["lighttpd"] = (Orange, "diamond"),
        // Figs 6-7
        ["Broadcast"] = (Blue, "square"), ["Unicast"] = (Orange, "triangle-up"), ["Multicast"] = (Green, "diamond"),
        ["NUMA-aware multicast"] = (Red, "circle"),
        [ExperimentCatalog.MkUnmap] = (Red, "circle"), [ExperimentCatalog.LinuxMprotect] = (Blue, "square"), [ExperimentCatalog.LinuxMunmap] = (Cyan, "triangle-up"),
        ["1PC"] = (Green, "circle"), ["2PC"] = (Purple, "square"),
    };

    static readonly string[] Symbols = ["circle", "square", "triangle-up", "diamond", "triangle-down", "x", "cross", "pentagon"];
    static readonly string[] Dashes = ["solid", "dash", "dot", "dashdot", "longdash"];

    /// <summary>Line dash of a known variant; the others get the next dash in order of appearance.</summary>
    static readonly Dictionary<string, string> VariantDash = new(StringComparer.OrdinalIgnoreCase)
    {
        ["atomic"] = "dash", ["pipelined"] = "dot", ["raw"] = "dashdot", ["processes"] = "dash", ["C"] = "dot",
        ["mmu=modelled"] = "dash", ["mmu=hardware"] = "solid", ["stack=kernel"] = "dash", ["stack=user"] = "solid",
    };

    /// <summary>
    /// Styles for the curves of one panel, in order. Deterministic: a name gets the same style in every run; where two
    /// curves of the panel would look alike, the later one moves to the next free palette colour.
    /// </summary>
    public static IReadOnlyList<SeriesStyle> For(IReadOnlyList<string> curveNames)
    {
        var styles = new List<SeriesStyle>();
        foreach (var name in curveNames)
        {
            var style = Of(name);
            int shift = 0;
            while (styles.Contains(style) && shift < Palette.Length)
            {
                shift++;
                style = style with { Colour = Palette[(Array.IndexOf(Palette, style.Colour) + 1) % Palette.Length] };
            }
            styles.Add(style);
        }
        return styles;
    }

    /// <summary>The style of one curve name, e.g. "SHM8", "MSG8-pipelined", "CG/mk", "Multikernel unmap [mmu=modelled]".</summary>
    public static SeriesStyle Of(string curveName)
    {
        string name = curveName, bracket = "";
        int open = curveName.IndexOf(" [", StringComparison.Ordinal);
        if (open > 0 && curveName.EndsWith(']'))
        {
            name = curveName[..open];
            bracket = curveName[(open + 2)..^1];
        }
        // A ratio over a known series (compute's paired rows, "mk [over=host]"): that series' colour and marker, solid,
        // so that the panel's curves look like the runtimes they divide by.
        const string Over = "over=";
        if (bracket.StartsWith(Over, StringComparison.OrdinalIgnoreCase) && Known.TryGetValue(bracket[Over.Length..], out var over))
            return new SeriesStyle(over.Colour, over.Symbol, "solid");
        var (baseName, variant) = SeriesName.SplitVariant(name);
        var (colour, symbol) = Lookup(baseName);
        string dash = "solid";
        if (variant is not null) dash = VariantDash.GetValueOrDefault(variant, "dash");
        if (bracket.Length > 0)
        {
            string d = VariantDash.TryGetValue(bracket, out var known) ? known : Dashes[1 + (int)(StableHash(bracket) % (uint)(Dashes.Length - 1))];
            if (d != "solid") dash = d;
        }
        if (variant is not null || dash != "solid") symbol += "-open";
        return new SeriesStyle(colour, symbol, dash);
    }

    /// <summary>The colour a paper series is drawn in: that of our series it stands for, else black.</summary>
    public const string PaperColour = "#000000";

    static (string Colour, string Symbol) Lookup(string name)
    {
        if (Known.TryGetValue(name, out var k)) return k;
        if (Known.TryGetValue(SeriesName.Member(name), out k)) return k;
        var (b, _) = SeriesName.SplitVariant(SeriesName.Member(name));
        if (Known.TryGetValue(b, out k)) return k;
        uint h = StableHash(name);
        return (Palette[h % (uint)Palette.Length], Symbols[(h / (uint)Palette.Length) % (uint)Symbols.Length]);
    }

    /// <summary>FNV-1a of the name: the same in every process (string.GetHashCode is randomised per process).</summary>
    static uint StableHash(string s)
    {
        uint h = 2166136261;
        foreach (char c in s) { h ^= c; h *= 16777619; }
        return h;
    }
}
