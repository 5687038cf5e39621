namespace Report.Input;

/// <summary>
/// A ratio row whose interval is not a 95% CI of the ratio but the range the two medians' 95% CIs allow: from the
/// numerator's low over the denominator's high to the numerator's high over the denominator's low. It holds the true
/// ratio whenever both CIs hold their medians, so it is wider than a 95% CI, and the report marks it as such wherever it
/// would otherwise call an interval a 95% CI. Two writers make such rows: fig1-shared-state's C#/C ratio of a point of
/// one or two blocks (its note says "interval from the two medians' 95% CIs"; from three blocks on the ratio is the
/// median of the blocks' ratios with its own 95% CI) and urpc-tables' harness_ratio rows.
/// </summary>
public static class RatioInterval
{
    /// <summary>The words of fig1-shared-state's note on a ratio row whose interval is built from the two medians' CIs.</summary>
    public const string FromTwoCisNote = "interval from the two medians' 95% CIs";

    /// <summary>Follows such a row's interval in every table.</summary>
    public const string Mark = "†";

    /// <summary>Under a table with a marked row.</summary>
    public const string Footnote = "† A ratio of two medians: its interval runs from the numerator's 95% CI low over the denominator's high "
        + "to its high over the denominator's low, so it holds the ratio wherever both CIs hold their medians; it is wider than a 95% CI of the ratio.";

    public static bool IsBound(ResultRow r) =>
        double.IsFinite(r.CiLow) && double.IsFinite(r.CiHigh)
        && (r.Metric == "harness_ratio" || r.Note.Contains(FromTwoCisNote, StringComparison.Ordinal));
}
