namespace Multikernel.Monitor.Agreement;

/// <summary>How one agreement ended, reported on the coordinator once every participant has acknowledged the outcome.</summary>
/// <param name="Committed">1PC: always true. 2PC: the decision.</param>
/// <param name="Refusal">For an abort on a no vote: the first refusal code that reached the coordinator (the resource's own code, see <see cref="IAgreementResource.Prepare"/>).</param>
/// <param name="Rounds">Rounds of the decision (or apply) it took until every ack was in: 1 without loss.</param>
/// <param name="FaultedCore">For an abort with <see cref="AgreementAbortReason.ParticipantFaulted"/>: the participant whose CPU driver faulted; -1 otherwise.</param>
/// <param name="Lost">Requested participants that the coordinator knew had faulted (their CPU driver) when it started or while it waited for
/// their vote or ack (fail-stop: their replicas are gone, so the live participants completed without them); empty without a fault. A faulted
/// multicast group member whose aggregator stopped waiting for it before the coordinator was told of the fault is not in it.</param>
public readonly record struct AgreementOutcome(AgreementTag Tag, bool TwoPhase, bool Committed, AgreementAbortReason Reason, byte Refusal,
    long StartedAt, long DecidedAt, long FinishedAt, int Rounds, int FaultedCore = -1, CoreSet Lost = default)
{
    /// <summary>The reason as text for an error message: names the faulted core for <see cref="AgreementAbortReason.ParticipantFaulted"/>.</summary>
    public string ReasonText => Reason == AgreementAbortReason.ParticipantFaulted
        ? $"{Reason}: core #{FaultedCore}'s CPU driver faulted while the votes were collected"
        : Reason.ToString();
}
