namespace Report.Claims;

/// <summary>
/// One testable claim: what it says, where it comes from (the paper's figure or section, or one of our own
/// targets), the rule that decides it (printed beside the verdict, so a reader can check it), and the evaluation
/// of a run's rows.
/// </summary>
public sealed record Claim(string Id, string Statement, string Source, string Rule, Func<RunFolder, ClaimResult> Evaluate);
