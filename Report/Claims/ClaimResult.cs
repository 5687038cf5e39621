namespace Report.Claims;

/// <summary>The verdict on one claim for one run, the measured numbers behind it, and (where not testable or not measured) why.</summary>
public sealed record ClaimResult(Verdict Verdict, string Numbers, string Reason = "")
{
    public static ClaimResult Holds(string numbers) => new(Verdict.Holds, numbers);
    public static ClaimResult DoesNotHold(string numbers) => new(Verdict.DoesNotHold, numbers);
    public static ClaimResult NotTestable(string reason, string numbers = "") => new(Verdict.NotTestable, numbers, reason);
    public static ClaimResult NotMeasured(string reason) => new(Verdict.NotMeasured, "", reason);

    /// <summary>The verdict as the report prints it.</summary>
    public string Label => Verdict switch
    {
        Verdict.Holds => "holds",
        Verdict.DoesNotHold => "does not hold",
        Verdict.NotTestable => "not testable here",
        _ => "not measured in this run",
    };
}
