namespace Multikernel.Monitor.Agreement;

/// <summary>How one agreement ended, reported on the coordinator once every participant has acknowledged the outcome.</summary>
/// <param name="Committed">1PC: always true. 2PC: the decision.</param>
/// <param name="Refusal">For an abort on a no vote: the first refusal code that reached the coordinator (the resource's own code, see <see cref="IAgreementResource.Prepare"/>).</param>
/// <param name="Rounds">Rounds of the decision (or apply) it took until every ack was in: 1 without loss.</param>
public readonly record struct AgreementOutcome(AgreementTag Tag, bool TwoPhase, bool Committed, AgreementAbortReason Reason, byte Refusal,
    long StartedAt, long DecidedAt, long FinishedAt, int Rounds);
