namespace Report.Input;

/// <summary>What a result row holds: a value to plot, or the reason it has none that the report shows instead.</summary>
public enum RowKind
{
    /// <summary>A finite median from a run that did not fail its checks: plotted and tabulated.</summary>
    Measured,
    /// <summary>Verified = fail: the computation or a check failed; listed in the failure box, never plotted.</summary>
    Failed,
    /// <summary>The experiment could not run this point here (its Note starts with "skipped", or no samples and no value).</summary>
    Skipped,
    /// <summary>Samples were taken but the median is not a finite number; listed, never plotted.</summary>
    NoValue,
}
