namespace Report.Paper;

/// <summary>
/// One value the Multikernel paper reports. <see cref="Figure"/> is the paper's own numbering
/// (e.g. "fig3-shared-state", "table1-lrpc"); <see cref="Cores"/> is null where the paper gives none;
/// <see cref="Precision"/> is "text" (stated) or "approx" (read off a plotted curve).
/// </summary>
public sealed record PaperValue(string Figure, string Series, string Machine, int? Cores, double Value, string Unit, string Precision, string Note);
