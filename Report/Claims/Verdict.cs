namespace Report.Claims;

/// <summary>What a run says about one claim.</summary>
public enum Verdict
{
    Holds,
    DoesNotHold,
    /// <summary>The run has the rows, but this machine (or this run's setup) cannot test the claim; the result says why.</summary>
    NotTestable,
    /// <summary>The rows the claim needs are not in this run (experiment not run, or its points skipped or failed).</summary>
    NotMeasured,
}
