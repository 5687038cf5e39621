namespace Fig1.SharedState;

/// <summary>
/// The verdict of a run's own correctness check (counters, replies, sequences), shared by Fig 1's measurements:
/// <see cref="Failure"/> says what was first found wrong, null when everything was as expected.
/// </summary>
public abstract class CheckedOutcome
{
    public string? Failure { get; init; }
    public bool Verified => Failure == null;
}
