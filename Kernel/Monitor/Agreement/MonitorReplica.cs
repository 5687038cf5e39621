using Multikernel.Capabilities;
using Multikernel.Memory;

namespace Multikernel.Monitor.Agreement;

/// <summary>
/// One monitor's replica of the replicated system tables (<see cref="DomainPlacementTable"/>,
/// <see cref="CapabilityOwnershipTable"/>, <see cref="AddressSpaceTable"/>) and the locks of its prepared updates:
/// the resource its agreement participant prepares, commits, aborts and applies, and the view its core's capability
/// driver asks about other cores (<see cref="IRemoteCapabilities"/>). A committed capability update also carries out
/// this core's part: deleting its copies and descendants of a revoked object, or its copies of an object it stops
/// holding. An applied TLB update (the shootdown, a 1PC) is handed to the core's <see cref="ITranslationInvalidator"/>,
/// and checked there once this core's ack for it has gone out (<see cref="VerifyApplied"/>), which for a multicast
/// aggregator is only after every member of its group has acked.
/// <para>Invariants: (1) core-local. (2) The tables change only in <see cref="Commit"/> and <see cref="Apply"/>, i.e.
/// only by agreement. (3) A lock is held exactly from a yes vote to the decision. Refusal codes are
/// <see cref="CapError"/> values: Locked (a conflicting update is prepared), Revoked (the sender no longer holds the
/// object), RevokeFirst (a descendant here overlaps the range being retyped), VNodeSlotInUse (the root entry already
/// holds a table).</para>
/// </summary>
public sealed class MonitorReplica : IAgreementResource, IRemoteCapabilities
{
    readonly RegionLocks _locks = new();
    readonly CapabilityDriver? _caps;

    public int Core { get; }
    public DomainPlacementTable Domains { get; } = new();
    public CapabilityOwnershipTable Capabilities { get; } = new();
    public AddressSpaceTable AddressSpaces { get; } = new();
    /// <summary>Prepared updates whose decision has not arrived.</summary>
    public int LocksHeld => _locks.Count;
    /// <summary>Where applied TLB updates go (null: this replica refuses them).</summary>
    public ITranslationInvalidator? Translations { get; set; }
    /// <summary>TLB updates this core has applied.</summary>
    public long InvalidationsApplied { get; private set; }
    /// <summary>TLB updates from other cores' shootdowns applied here and not yet checked (<see cref="VerifyApplied"/>), in
    /// the order applied, each with whether this core's ack for it has gone out (<see cref="Answered"/>).</summary>
    readonly List<(AgreementTag Tag, MmuChange Change, bool Answered)> _unverified = new();

    /// <param name="capabilities">This core's capability driver (null: a replica of the tables only).</param>
    /// <param name="translations">This core's TLB (null: no TLB updates here).</param>
    public MonitorReplica(int core, CapabilityDriver? capabilities = null, ITranslationInvalidator? translations = null)
    {
        Core = core;
        _caps = capabilities;
        Translations = translations;
        if (capabilities != null)
        {
            if (capabilities.Core != core) throw new ArgumentException($"the capability driver is core {capabilities.Core}'s, not {core}'s", nameof(capabilities));
            capabilities.Remote = this;
        }
    }

    public byte Prepare(AgreementTag tag, in AgreementUpdate u)
    {
        var (table, first, length) = LockRange(u);
        if (_locks.Overlaps(table, first, length)) return (byte)CapError.Locked;
        if (u.Table == SystemTableUpdates.AddressSpaceTable && u.Kind == SystemTableUpdates.InsertRootTable
            && AddressSpaces.TryGet(u.Key, SystemTableUpdates.RootEntryOf(u), out _))
            return (byte)CapError.VNodeSlotInUse;
        if (u.Table == SystemTableUpdates.CapabilityTable && _caps != null)
        {
            var key = SystemTableUpdates.ObjectOf(u);
            switch (u.Kind)
            {
                case SystemTableUpdates.AddHolder or SystemTableUpdates.GiveObject when SystemTableUpdates.CoreOf(u) == Core && !_caps.Holds(key):
                    return (byte)CapError.Revoked;
                case SystemTableUpdates.RetypeObject:
                    var (f, b) = SystemTableUpdates.RetypeRangeOf(u);
                    if (_caps.HasDescendantOverlapping(key, f, b)) return (byte)CapError.RevokeFirst;
                    break;
            }
        }
        _locks.Add(tag, table, first, length);
        return 0;
    }

    public void Commit(AgreementTag tag, in AgreementUpdate u)
    {
        _locks.Release(tag);
        if (u.Table == SystemTableUpdates.DomainTable) { Domains.Apply(u); return; }
        if (u.Table == SystemTableUpdates.AddressSpaceTable)
        {
            if (u.Kind == SystemTableUpdates.InsertRootTable) AddressSpaces.Insert(u.Key, SystemTableUpdates.RootEntryOf(u), SystemTableUpdates.RootTableOf(u));
            else AddressSpaces.Release(u.Key);
            return;
        }
        CheckTable(u);
        var key = SystemTableUpdates.ObjectOf(u);
        int core = SystemTableUpdates.CoreOf(u);
        switch (u.Kind)
        {
            case SystemTableUpdates.AddHolder:
                Capabilities.AddHolder(key, core, SystemTableUpdates.OtherCoreOf(u), SystemTableUpdates.CoreHasDescendants(u));
                break;
            case SystemTableUpdates.DropHolder:
                Capabilities.DropHolder(key, core, SystemTableUpdates.CoreHasDescendants(u));
                if (core == Core) _caps?.DeleteAllCopies(key);
                break;
            case SystemTableUpdates.GiveObject:
                Capabilities.AddHolder(key, core, SystemTableUpdates.OtherCoreOf(u), SystemTableUpdates.CoreHasDescendants(u));
                Capabilities.DropHolder(key, core, hasDescendants: false); // recorded by AddHolder
                if (core == Core) _caps?.DeleteAllCopies(key);
                break;
            case SystemTableUpdates.RevokeObject:
                Capabilities.Revoke(key, core);
                if (core != Core) _caps?.DeleteCopiesAndDescendants(key); // the revoker keeps its own capability
                break;
            case SystemTableUpdates.RetypeObject:
                Capabilities.AddDescendantCore(key, core); // the retyping core creates the objects itself once decided
                break;
            default:
                throw new InvalidOperationException($"core #{Core}: unknown capability update kind {u.Kind}");
        }
    }

    public void Abort(AgreementTag tag, in AgreementUpdate u) => _locks.Release(tag);

    public void Apply(AgreementTag tag, in AgreementUpdate u)
    {
        switch (u.Table)
        {
            case SystemTableUpdates.TlbTable:
                var tlb = Translations ?? throw new InvalidOperationException($"core #{Core} has no TLB to apply a shootdown to");
                var change = SystemTableUpdates.TranslationOf(u);
                tlb.Apply(in change);
                InvalidationsApplied++;
                if (tag.Coordinator != Core) _unverified.Add((tag, change, false)); // the initiator checks its own change once the shootdown completes
                return;
            case SystemTableUpdates.DomainTable:
                Domains.Apply(u);
                return;
            default:
                throw new InvalidOperationException($"core #{Core}: table {u.Table} changes only by two-phase commit; 1PC carries domain placement and TLB updates");
        }
    }

    public void Answered(AgreementTag tag)
    {
        for (int i = 0; i < _unverified.Count; i++)
            if (_unverified[i].Tag == tag) _unverified[i] = _unverified[i] with { Answered = true };
    }

    /// <summary>
    /// Checks (<see cref="ITranslationInvalidator.Verify"/>) the TLB updates of other cores' shootdowns that this core
    /// has applied and acknowledged since the last call; one whose ack has not gone out yet (an aggregator waiting for
    /// its group) stays for a later call. The monitor calls it after each agreement message, once the acknowledgement
    /// or forward the message caused has gone out, so a check never lies on a shootdown's path.
    /// </summary>
    public void VerifyApplied()
    {
        int kept = 0;
        for (int i = 0; i < _unverified.Count; i++)
        {
            var u = _unverified[i];
            if (u.Answered) Translations!.Verify(in u.Change);
            else _unverified[kept++] = u;
        }
        _unverified.RemoveRange(kept, _unverified.Count - kept);
    }

    public RemoteRelations RelationsOf(in CapObjectKey key, int core)
    {
        var r = Capabilities.RelationsOf(key, core);
        if (IsLocked(key)) r |= RemoteRelations.Locked;
        return r;
    }

    public RemoteRelations RelationsOfRange(in CapObjectKey key, ulong first, ulong bytes, int core)
    {
        var r = Capabilities.RelationsOfRange(key, first, bytes, core);
        // A prepared operation on the object or an ancestor locks the object's whole range, one on a descendant only
        // the descendant's: a lock the retyped range does not overlap is on nothing the retype touches.
        if (_locks.Count > 0 && _locks.Overlaps(SystemTableUpdates.CapabilityTable, first, bytes)) r |= RemoteRelations.Locked;
        return r;
    }

    public bool IsLocked(in CapObjectKey key) => _locks.Count > 0 && _locks.Overlaps(SystemTableUpdates.CapabilityTable, key.Base, key.Size);

    public int OwnerOf(in CapObjectKey key, int core) => Capabilities.OwnerOf(key, core);

    public bool IsHolder(in CapObjectKey key, int core) => Capabilities.IsHolder(key, core);

    /// <summary>Every table as text (replicas are equal exactly when these are).</summary>
    public string Describe() => "domains " + Domains.Describe() + " capabilities " + Capabilities.Describe() + " address spaces " + AddressSpaces.Describe();

    static (byte Table, ulong First, ulong Length) LockRange(in AgreementUpdate u)
    {
        if (u.Table == SystemTableUpdates.DomainTable) return (u.Table, u.Key, 1);
        if (u.Table == SystemTableUpdates.AddressSpaceTable)
            return u.Kind == SystemTableUpdates.InsertRootTable ? (u.Table, u.Key * 512 + (ulong)SystemTableUpdates.RootEntryOf(u), 1) : (u.Table, u.Key * 512, 512UL);
        CheckTable(u);
        if (u.Kind == SystemTableUpdates.RetypeObject)
        {
            var (first, bytes) = SystemTableUpdates.RetypeRangeOf(u);
            return (u.Table, first, bytes);
        }
        var key = SystemTableUpdates.ObjectOf(u);
        return (u.Table, key.Base, key.Size);
    }

    static void CheckTable(in AgreementUpdate u)
    {
        if (u.Table != SystemTableUpdates.CapabilityTable)
            throw new InvalidOperationException($"update for unknown table {u.Table}");
    }
}
