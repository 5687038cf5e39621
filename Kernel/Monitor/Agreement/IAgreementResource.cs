namespace Multikernel.Monitor.Agreement;

/// <summary>
/// What a participant agrees about: its replica of the system tables (and, through them, its core's capabilities).
/// Called only on the participant's core, at most once per tag for each of Prepare / Commit / Abort / Apply, in an
/// order the protocol guarantees: Commit or Abort only after a Prepare that voted yes.
/// </summary>
public interface IAgreementResource
{
    /// <summary>
    /// 2PC phase 1: validate the update and lock what it touches. 0 votes yes (the lock is then held until Commit or
    /// Abort); any other value votes no and says why, in the resource's own codes (reported to the coordinator in
    /// <see cref="AgreementOutcome.Refusal"/>), and must leave nothing locked. <see cref="AgreementMessages.RefusalFaulted"/>
    /// (255) is the protocol's own and no resource's.
    /// </summary>
    byte Prepare(AgreementTag tag, in AgreementUpdate update);

    /// <summary>2PC: apply the prepared update and release its lock.</summary>
    void Commit(AgreementTag tag, in AgreementUpdate update);

    /// <summary>2PC: release the lock of a prepared update without applying it.</summary>
    void Abort(AgreementTag tag, in AgreementUpdate update);

    /// <summary>1PC: apply the update (updates sent by 1PC must commute or have a single writer).</summary>
    void Apply(AgreementTag tag, in AgreementUpdate update);

    /// <summary>
    /// This core's acknowledgement of <paramref name="tag"/> has gone out (after its own apply or decision and, as an
    /// aggregator, every member's ack); from now on nothing this core does is on that agreement's path. Called after
    /// every ack it sends, a resent one too.
    /// </summary>
    void Answered(AgreementTag tag);
}
