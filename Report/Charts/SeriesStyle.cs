namespace Report.Charts;

/// <summary>How one curve is drawn: colour, marker symbol, line dash.</summary>
public readonly record struct SeriesStyle(string Colour, string Symbol, string Dash);
