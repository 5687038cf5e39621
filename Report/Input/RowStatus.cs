namespace Report.Input;

/// <summary>
/// Sorts result rows into <see cref="RowKind"/>s. The experiments write a skipped point as a row with a NaN median,
/// zero samples and a Note "skipped: reason", and a point that failed verification with Verified = fail (and a NaN
/// median where no value could be trusted). Neither may stop the report: both are shown as such.
/// </summary>
public static class RowStatus
{
    public const string SkippedPrefix = "skipped";

    public static RowKind Of(ResultRow r)
    {
        if (r.Verified == "fail") return RowKind.Failed;
        if (r.Note.TrimStart().StartsWith(SkippedPrefix, StringComparison.OrdinalIgnoreCase)) return RowKind.Skipped;
        if (!double.IsFinite(r.Median)) return r.Samples == 0 ? RowKind.Skipped : RowKind.NoValue;
        return RowKind.Measured;
    }

    public static bool IsMeasured(ResultRow r) => Of(r) == RowKind.Measured;

    /// <summary>The reason a skipped row gives (its Note without the "skipped:" prefix), or its whole Note.</summary>
    public static string Reason(ResultRow r)
    {
        string note = r.Note.Trim();
        if (!note.StartsWith(SkippedPrefix, StringComparison.OrdinalIgnoreCase)) return note;
        return note[SkippedPrefix.Length..].TrimStart(':', ' ');
    }
}
