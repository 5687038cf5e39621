namespace Multikernel.Monitor.Agreement;

/// <summary>Why a two-phase commit aborted.</summary>
public enum AgreementAbortReason : byte
{
    None = 0,
    /// <summary>A participant voted no (a conflicting agreement held its lock, or validation failed).</summary>
    VotedNo,
    /// <summary>Not every vote arrived before the vote timeout.</summary>
    Timeout,
    /// <summary>
    /// A participant's CPU driver faulted while the votes were being collected (fail-stop: it will never vote or
    /// acknowledge); <see cref="AgreementOutcome.FaultedCore"/> names it.
    /// </summary>
    ParticipantFaulted,
}
