namespace Multikernel.Monitor.Agreement;

/// <summary>Why a two-phase commit aborted.</summary>
public enum AgreementAbortReason : byte
{
    None = 0,
    /// <summary>A participant voted no (a conflicting agreement held its lock, or validation failed).</summary>
    VotedNo,
    /// <summary>Not every vote arrived before the vote timeout.</summary>
    Timeout,
}

/// <summary>How one agreement ended, reported on the coordinator once every participant has acknowledged the outcome.</summary>
/// <param name="Committed">1PC: always true. 2PC: the decision.</param>
/// <param name="Refusal">For an abort on a no vote: the first refusal code that reached the coordinator (the resource's own code, see <see cref="IAgreementResource.Prepare"/>).</param>
/// <param name="Rounds">Rounds of the decision (or apply) it took until every ack was in: 1 without loss.</param>
public readonly record struct AgreementOutcome(AgreementTag Tag, bool TwoPhase, bool Committed, AgreementAbortReason Reason, byte Refusal,
    long StartedAt, long DecidedAt, long FinishedAt, int Rounds);

/// <summary>Told on the coordinator's core about an agreement it started.</summary>
public interface IAgreementCompletion
{
    /// <summary>The coordinator decided (2PC) or applied locally (1PC); remote participants may not have applied yet. The coordinator's own replica has applied a commit.</summary>
    void Decided(in AgreementOutcome outcome);

    /// <summary>Every participant has acknowledged the outcome: a commit is applied everywhere, an abort released everywhere.</summary>
    void Completed(in AgreementOutcome outcome);
}
