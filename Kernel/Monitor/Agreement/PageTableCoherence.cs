using Multikernel.Capabilities;
using Multikernel.Memory;

namespace Multikernel.Monitor.Agreement;

/// <summary>
/// Page-table consistency of address spaces that several cores run, as the paper's monitors keep it: removing a
/// mapping is followed by a TLB shootdown, a one-phase commit of an invalidation among the cores that may cache it
/// (apply = invalidate locally, then ack); inserting a page table into the root page table is a two-phase commit of
/// a row of the replicated <see cref="AddressSpaceTable"/>, so no two cores link different tables into one root entry.
/// <para>The apply step is a seam: <see cref="Apply"/> is this core's software <see cref="Memory.Tlb"/> unless the
/// system sets another <see cref="ITranslationInvalidator"/> for the core (process mode: the core process's own
/// <see cref="HardwarePageTable"/>, which protects, unmaps or remaps its own mapping). The shootdown is not a protocol of its own: it is <see cref="AgreementService.StartOnePhase"/>
/// with a TLB update (<see cref="SystemTableUpdates.Invalidate"/>), over the same routes.</para>
/// <para>Invariant: core-local (created by and used on its core's thread). A shootdown's completion runs when every
/// participant has applied it: no participant translates the range through a stale entry after that.</para>
/// </summary>
public sealed class PageTableCoherence : ITranslationInvalidator
{
    readonly AgreementService _agreement;
    ITranslationInvalidator _apply;

    /// <summary>This core's software TLB (what the VM API on this core translates through in thread mode).</summary>
    public Tlb Tlb { get; }

    /// <summary>What a TLB update does on this core (default: <see cref="Tlb"/>). Set on this core only.</summary>
    public ITranslationInvalidator Apply
    {
        get => _apply;
        set => _apply = value ?? throw new ArgumentNullException(nameof(value));
    }

    internal PageTableCoherence(AgreementService agreement, Tlb tlb)
    {
        _agreement = agreement;
        Tlb = tlb;
        _apply = tlb;
    }

    void ITranslationInvalidator.Apply(in MmuChange change) => _apply.Apply(in change);

    void ITranslationInvalidator.Verify(in MmuChange change) => _apply.Verify(in change);

    /// <summary>Invalidations applied on this core (by shootdowns from any core, this one's included).</summary>
    public long Applied => _agreement.Replica.InvalidationsApplied;

    /// <summary>
    /// TLB shootdown: a 1PC that invalidates <paramref name="pages"/> pages from <paramref name="va"/> of address space
    /// <paramref name="spaceId"/> on every core of <paramref name="participants"/> (this one applies it at once, once the messages are out);
    /// <paramref name="done"/> learns on this core when every participant has applied it.
    /// </summary>
    public AgreementTag Shootdown(RoutingProtocol protocol, CoreSet participants, ulong spaceId, ulong va, long pages, IAgreementCompletion done) =>
        Shootdown(protocol, participants, new MmuChange(spaceId, va, pages, MmuOp.Invalidate), done);

    /// <summary>
    /// A shootdown that carries <paramref name="change"/> to every core of <paramref name="participants"/>, each
    /// applying it to its own translations (<see cref="Apply"/>; this core at once, right after the messages go out). With
    /// real page tables (process mode: each core process's own) a change that protects, unmaps or remaps is the page
    /// table edit itself, made by each core on its own table.
    /// </summary>
    public AgreementTag Shootdown(RoutingProtocol protocol, CoreSet participants, in MmuChange change, IAgreementCompletion done)
    {
        if (change.Pages < 1) throw new ArgumentOutOfRangeException(nameof(change), change.Pages, "a shootdown covers at least one page");
        return _agreement.StartOnePhase(protocol, participants, SystemTableUpdates.Translation(in change), done);
    }

    /// <summary>
    /// End-to-end unmap in an address space that the cores <paramref name="cores"/> run: removes the mappings of
    /// <paramref name="pages"/> pages from <paramref name="va"/> (VNode Unmap invocations on this core, which owns the
    /// space's tables), then shoots down every page it removed on those cores: a frame mapped at one of those pages is
    /// removed whole, so the shootdown covers its last page too where that lies beyond <paramref name="pages"/>. The
    /// frames may be reused only once <paramref name="done"/> has been told <see cref="IAgreementCompletion.Completed"/>.
    /// Returns the first page's invocation error (then nothing was changed and nobody is told); later pages that a
    /// multi-page mapping already covered are skipped. Throws, having changed nothing, when <paramref name="cores"/>
    /// names a core the system does not have.
    /// </summary>
    public CapError Unmap(Pmap space, CoreSet cores, ulong va, int pages, IAgreementCompletion done,
        RoutingProtocol protocol = RoutingProtocol.NumaAwareMulticast)
    {
        ArgumentNullException.ThrowIfNull(space);
        if (pages < 1) throw new ArgumentOutOfRangeException(nameof(pages), pages, "an unmap covers at least one page");
        cores.ThrowIfBeyond(_agreement.AllCores.Count, nameof(cores)); // before the tables change: the agreement checks only after
        var e = space.Unmap(va, out int removed);
        if (e != CapError.Ok) return e;
        int covered = removed; // pages from va on that the removed mappings spanned
        for (int p = removed; p < pages; p++)
            if (space.Unmap(va + (ulong)p * Memory.PageTables.PageSize, out removed) == CapError.Ok)
            {
                covered = p + removed;
                p += removed - 1;
            }
        Shootdown(protocol, cores, space.Id, va, Math.Max(pages, covered), done);
        return CapError.Ok;
    }

    /// <summary>
    /// Maps the Frame capability at <paramref name="frame"/> at <paramref name="va"/> of an address space the cores
    /// <paramref name="cores"/> run. When that needs a new table in the root page table, the monitors of those cores
    /// first agree on it (2PC on the <see cref="AddressSpaceTable"/>); the table is linked and the frame mapped once the
    /// decision is in. Ok: <paramref name="done"/> is told exactly once (at once when no agreement was needed); an
    /// error: nothing changed and nobody is told. A refused agreement reports the refusal (e.g.
    /// <see cref="CapError.VNodeSlotInUse"/>, or <see cref="CapError.Locked"/> for a conflict or a timeout: try again).
    /// Throws, having changed nothing, when <paramref name="cores"/> names a core the system does not have.
    /// </summary>
    public CapError Map(Pmap space, CoreSet cores, ulong va, Cptr frame, CapRights rights, ICapOperationCompletion done,
        RoutingProtocol protocol = RoutingProtocol.NumaAwareMulticast)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(done);
        cores.ThrowIfBeyond(_agreement.AllCores.Count, nameof(cores)); // before the tables change: the agreement checks only after
        var e = space.Map(va, frame, rights);
        if (e != CapError.NeedsAgreement)
        {
            if (e == CapError.Ok) done.Completed(new CapOperationResult(CapError.Ok, false, default, default));
            return e;
        }
        int entry = Pmap.RootEntryOf(va);
        e = space.PrepareRootTable(entry, out ulong table);
        if (e != CapError.Ok) return e;
        var op = new RootInsert(space, entry, va, frame, rights, done);
        _agreement.StartTwoPhase(protocol, cores, SystemTableUpdates.InsertRoot(space.Id, entry, table, _agreement.Core), op);
        return CapError.Ok;
    }

    /// <summary>After the space is destroyed: its rows leave every replica (2PC among <paramref name="cores"/>).</summary>
    public void Release(Pmap space, CoreSet cores, IAgreementCompletion done, RoutingProtocol protocol = RoutingProtocol.NumaAwareMulticast) =>
        _agreement.StartTwoPhase(protocol, cores, SystemTableUpdates.Release(space.Id, _agreement.Core), done);

    /// <summary>One root insert in flight: links and maps (or gives the table back) when decided, reports when every core has acknowledged.</summary>
    sealed class RootInsert(Pmap space, int entry, ulong va, Cptr frame, CapRights rights, ICapOperationCompletion done) : IAgreementCompletion
    {
        CapError _result;

        public void Decided(in AgreementOutcome outcome)
        {
            if (!outcome.Committed) { space.DropRootTable(entry); return; }
            _result = space.LinkRootTable(entry);
            if (_result == CapError.Ok) _result = space.Map(va, frame, rights);
        }

        public void Completed(in AgreementOutcome outcome)
        {
            CapError e = outcome.Committed ? _result
                : outcome.Reason == AgreementAbortReason.Timeout ? CapError.Locked
                : outcome.Reason == AgreementAbortReason.ParticipantFaulted ? CapError.CoreFaulted
                : (CapError)outcome.Refusal;
            done.Completed(new CapOperationResult(e, true, outcome, default));
        }
    }
}
