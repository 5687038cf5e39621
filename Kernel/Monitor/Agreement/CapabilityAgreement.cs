using Multikernel.Capabilities;

namespace Multikernel.Monitor.Agreement;

/// <summary>
/// One monitor's front end for capability operations that may span cores (Barrelfish's <c>capops</c>): it tries the
/// operation on its core's <see cref="CapabilityDriver"/>, and when the driver answers
/// <see cref="CapError.NeedsAgreement"/> (other cores hold copies or descendants) runs it as a two-phase commit
/// among all monitors, so that no core creates a conflicting descendant or installs a revoked copy meanwhile:
/// <list type="bullet">
/// <item>transfer: 2PC "add holder" (the sender checks it still holds the object), then the caller delivers the
/// serialized capability (<see cref="CapabilityMessages.Transfer"/>) and the receiver imports it;</item>
/// <item>give: 2PC "give object": the receiver becomes a holder and the sender stops being one, deleting its
/// copies on commit (Barrelfish's give-away send; the memory server hands out RAM this way);</item>
/// <item>revoke: 2PC "revoke object": every other core deletes its copies and descendants, the revoker revokes
/// locally keeping its own capability;</item>
/// <item>delete of the last copy on this core: 2PC "drop holder" (the core stays on record as having descendants
/// if it has any);</item>
/// <item>retype of a shared object: 2PC "retype": every core votes no if one of its descendants overlaps the
/// range; on commit the retyping core creates the objects.</item>
/// </list>
/// An aborted agreement reports the refusal (<see cref="CapError.Locked"/> for a conflict or a timeout: try again).
/// <para>Invariant: core-local; the completion is told exactly once for every call that returns Ok (at once when no
/// agreement was needed); a call that returns an error has changed nothing and tells nobody.</para>
/// </summary>
public sealed class CapabilityAgreement
{
    readonly AgreementNode _node;
    readonly CapabilityDriver _caps;
    readonly MonitorReplica _replica;

    public int Core => _node.Core;
    /// <summary>Cores that hold a replica of the ownership table (every agreement goes to all of them).</summary>
    public CoreSet Replicas { get; }
    public RoutingProtocol Protocol { get; set; } = RoutingProtocol.NumaAwareMulticast;

    public CapabilityAgreement(AgreementNode node, CapabilityDriver capabilities, MonitorReplica replica, CoreSet replicas)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(capabilities);
        ArgumentNullException.ThrowIfNull(replica);
        if (node.Core != capabilities.Core || replica.Core != node.Core)
            throw new ArgumentException($"agreement node, capability driver and replica must belong to one core (got {node.Core}, {capabilities.Core}, {replica.Core})");
        if (!replicas.Contains(node.Core)) throw new ArgumentException($"the replica set {replicas} must include this core ({node.Core})", nameof(replicas));
        _node = node;
        _caps = capabilities;
        _replica = replica;
        Replicas = replicas;
    }

    /// <summary>Sends the capability at <paramref name="cap"/> (with <paramref name="rights"/>) to core <paramref name="to"/>; the result carries it.</summary>
    public CapError Transfer(CSpace cs, Cptr cap, int to, CapRights rights, ICapOperationCompletion done, long now)
    {
        ArgumentNullException.ThrowIfNull(done);
        if (to == Core || !Replicas.Contains(to)) return CapError.WrongCore;
        var e = _caps.Export(cs, cap, rights, out var sent);
        if (e != CapError.Ok) return e;
        if (_replica.IsHolder(sent.Key, to) && _replica.IsHolder(sent.Key, Core))
        {
            done.Completed(new CapOperationResult(CapError.Ok, false, default, sent)); // already a holder: nothing to agree on
            return CapError.Ok;
        }
        // Descendants made here before the object was shared must be on record, or revoking an ancestor elsewhere would miss them.
        bool descendants = _caps.HasDescendantOverlapping(sent.Key, sent.Key.Base, sent.Key.Size);
        Start(SystemTableUpdates.Holder(SystemTableUpdates.AddHolder, sent.Key, Core, to, descendants), new Operation(done, sent), now);
        return CapError.Ok;
    }

    /// <summary>
    /// Gives the object at <paramref name="cap"/> (with <paramref name="rights"/>) to core <paramref name="to"/>: one
    /// 2PC makes <paramref name="to"/> a holder and this core no holder; on commit every capability to the object on
    /// this core is deleted (its descendants here stay and move up). The result carries the capability to deliver.
    /// </summary>
    public CapError Give(CSpace cs, Cptr cap, int to, CapRights rights, ICapOperationCompletion done, long now)
    {
        ArgumentNullException.ThrowIfNull(done);
        if (to == Core || !Replicas.Contains(to)) return CapError.WrongCore;
        var e = _caps.Export(cs, cap, rights, out var sent);
        if (e != CapError.Ok) return e;
        bool descendants = _caps.HasDescendantOverlapping(sent.Key, sent.Key.Base, sent.Key.Size);
        Start(SystemTableUpdates.Holder(SystemTableUpdates.GiveObject, sent.Key, Core, to, descendants), new Operation(done, sent with { Owner = to }), now);
        return CapError.Ok;
    }

    /// <summary>Revokes the object at <paramref name="cap"/> on every core (locally when no other core is involved).</summary>
    public CapError Revoke(CSpace cs, Cptr cap, ICapOperationCompletion done, long now)
    {
        ArgumentNullException.ThrowIfNull(done);
        var e = _caps.Revoke(cs, cap);
        if (e != CapError.NeedsAgreement) return Local(e, done);
        return StartHolderUpdate(SystemTableUpdates.RevokeObject, cs, cap, new Operation(done, default, (op, commit) =>
            op.LocalResult = commit ? _caps.RevokeAgreed(cs, cap) : CapError.Ok), now);
    }

    /// <summary>Deletes the capability at <paramref name="cap"/>; if it is this core's last copy of a shared object, the monitors agree first.</summary>
    public CapError Delete(CSpace cs, Cptr cap, ICapOperationCompletion done, long now)
    {
        ArgumentNullException.ThrowIfNull(done);
        var e = _caps.Delete(cs, cap);
        if (e != CapError.NeedsAgreement) return Local(e, done);
        _caps.Identify(cs, cap, out var id);
        // Its descendants here outlive the last copy: they must stay on record, or a revoke of the object elsewhere would miss them.
        bool descendants = _caps.HasDescendantOverlapping(id.Key, id.Base, id.Size);
        Start(SystemTableUpdates.Holder(SystemTableUpdates.DropHolder, id.Key, Core, 0, descendants), new Operation(done, default), now); // the commit deletes it here
        return CapError.Ok;
    }

    /// <summary>Starts the agreement on a holder update of kind <paramref name="kind"/> for the object at <paramref name="cap"/>, from this core.</summary>
    CapError StartHolderUpdate(byte kind, CSpace cs, Cptr cap, Operation op, long now)
    {
        _caps.Identify(cs, cap, out var id);
        Start(SystemTableUpdates.Holder(kind, id.Key, Core), op, now);
        return CapError.Ok;
    }

    /// <summary>Retypes like <see cref="CapabilityDriver.Retype(CSpace, Cptr, CapType, ulong, ulong, int, Cptr)"/>; for a shared object every core checks its own descendants first.</summary>
    public CapError Retype(CSpace cs, Cptr src, CapType type, ulong offset, ulong objectBytes, int count, Cptr dest, ICapOperationCompletion done, long now)
    {
        ArgumentNullException.ThrowIfNull(done);
        var e = _caps.Retype(cs, src, type, offset, objectBytes, count, dest);
        if (e != CapError.NeedsAgreement) return Local(e, done);
        _caps.Identify(cs, src, out var id);
        if (!CapTypeRules.TryObjectSize(type, objectBytes, out ulong bytes)) return CapError.InvalidSize;
        if (type == CapType.Endpoint) bytes = id.Size; // an Endpoint spans its dispatcher's object (the driver's retype checks that range too)
        var update = SystemTableUpdates.Retype(id.Key, id.Base + offset, (ulong)count * bytes, type, Core);
        Start(update, new Operation(done, default, (op, commit) =>
            op.LocalResult = commit ? _caps.RetypeAgreed(cs, src, type, offset, objectBytes, count, dest) : CapError.Ok), now);
        return CapError.Ok;
    }

    static CapError Local(CapError e, ICapOperationCompletion done)
    {
        if (e != CapError.Ok) return e;
        done.Completed(new CapOperationResult(CapError.Ok, false, default, default));
        return CapError.Ok;
    }

    void Start(in AgreementUpdate update, Operation op, long now) => _node.StartTwoPhase(Protocol, Replicas, update, op, now);

    /// <summary>One operation in flight: does the coordinator's local part when the decision is made, reports when every core has acknowledged.</summary>
    sealed class Operation(ICapOperationCompletion done, SerializedCap sent, Action<Operation, bool>? onDecided = null) : IAgreementCompletion
    {
        public CapError LocalResult;

        public void Decided(in AgreementOutcome outcome) => onDecided?.Invoke(this, outcome.Committed);

        public void Completed(in AgreementOutcome outcome)
        {
            CapError e = outcome.Committed ? LocalResult
                : outcome.Reason == AgreementAbortReason.Timeout ? CapError.Locked
                : outcome.Reason == AgreementAbortReason.ParticipantFaulted ? CapError.CoreFaulted
                : (CapError)outcome.Refusal;
            done.Completed(new CapOperationResult(e, true, outcome, outcome.Committed ? sent : default));
        }
    }
}
