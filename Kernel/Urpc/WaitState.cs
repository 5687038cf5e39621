namespace Multikernel.Urpc;

/// <summary>
/// Where one wait stands under a <see cref="WaitPolicy"/>: since when the caller has found nothing to do. The caller
/// keeps it across the steps of one wait and calls <see cref="Reset"/> whenever it made progress, so the poll budget
/// counts from the last progress and is spent once, not again after every bounded sleep.
/// </summary>
public struct WaitState
{
    internal ulong IdleSince;

    /// <summary>The caller made progress: the next idle step starts a new poll budget.</summary>
    public void Reset() => IdleSince = 0;
}
