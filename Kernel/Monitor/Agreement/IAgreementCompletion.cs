namespace Multikernel.Monitor.Agreement;

/// <summary>Told on the coordinator's core about an agreement it started.</summary>
public interface IAgreementCompletion
{
    /// <summary>The coordinator decided (2PC) or applied locally (1PC); remote participants may not have applied yet. The coordinator's own replica has applied a commit.</summary>
    void Decided(in AgreementOutcome outcome);

    /// <summary>Every participant has acknowledged the outcome: a commit is applied everywhere, an abort released everywhere.</summary>
    void Completed(in AgreementOutcome outcome);
}
