using Plotly.NET;

namespace Report.Charts;

/// <summary>
/// The plotly.js that Plotly.NET inlines for <see cref="PlotlyJSReference.Full"/>: read once from Plotly.NET's
/// own embedded resource, so the page carries it a single time however many charts it holds, and needs no network.
/// </summary>
public static class PlotlyScript
{
    static readonly Lazy<string> Text = new(Load);

    public static string Source => Text.Value;

    static string Load()
    {
        var asm = typeof(GenericChart).Assembly;
        string name = asm.GetManifestResourceNames().Single(n => n.StartsWith("Plotly.NET.plotly-", StringComparison.Ordinal) && n.EndsWith(".min.js", StringComparison.Ordinal));
        using var s = asm.GetManifestResourceStream(name)!;
        return new StreamReader(s).ReadToEnd();
    }
}
