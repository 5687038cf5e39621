using System.Diagnostics;
using System.Runtime.CompilerServices;
using Multikernel.Memory;

namespace Multikernel.Capabilities;

/// <summary>
/// The capability half of one core's CPU driver: it owns the core's mapping database and checks every capability
/// invocation ("system call") made on the core. It decides nothing on its own: user code names every object, slot and
/// size, and the driver only checks that the operation is correct and applies it. It allocates nothing on an
/// invocation, except the managed shadow of a new CNode (its slots) or VNode (its per-entry record) at retype: the
/// object's memory itself is the RAM the caller retyped. Operations on objects that other cores hold copies or descendants of are refused with
/// <see cref="CapError.NeedsAgreement"/>: the monitors run them as an agreement and then call the <c>*Agreed</c>
/// methods (see <see cref="IRemoteCapabilities"/>).
/// <para>Derivation semantics (seL4's, with Barrelfish's revoke): Retype and a badging Mint create child objects;
/// Copy and a rights-only Mint create another capability to the same object (a copy, in the object's run);
/// Delete removes one capability, and when it was the object's last one on this core its descendants move up to
/// its parent; Revoke deletes every other capability to the object on this core and every descendant.</para>
/// <para>Invariants: (1) everything here is touched only by the core's thread (Debug builds check once
/// <see cref="BindToCurrentThread"/> has named it); (2) every public invocation either returns
/// <see cref="CapError.Ok"/> having applied the whole operation, or returns an error having changed nothing;
/// (3) the mapping database invariants of <see cref="MappingDatabase"/> hold between invocations.</para>
/// </summary>
public sealed unsafe partial class CapabilityDriver
{
    readonly MappingDatabase _mdb = new();
    // Markers a revoke brackets its victims with (never in a CNode, never visible between invocations).
    readonly Cte _revokeStart = new(null, -1);
    readonly Cte _revokeEnd = new(null, -1);
    IRemoteCapabilities _remote;
    Thread? _owner;

    /// <summary>Index of this core.</summary>
    public int Core { get; }
    /// <summary>The machine's physical memory: frames and page tables named by capabilities live here.</summary>
    public PhysicalMemory Memory { get; }
    /// <summary>Told when page-table entries are cleared, so that a TLB shootdown can follow (null: nobody).</summary>
    public IUnmapObserver? UnmapObserver { get; set; }
    /// <summary>Capabilities on this core (non-empty slots).</summary>
    public int CapabilityCount => _mdb.Count;

    public CapabilityDriver(int core, PhysicalMemory memory, IRemoteCapabilities? remote = null)
    {
        ArgumentNullException.ThrowIfNull(memory);
        if (core < 0) throw new ArgumentOutOfRangeException(nameof(core), core, "a core index is 0 or more");
        Core = core;
        Memory = memory;
        _remote = remote ?? IRemoteCapabilities.None;
    }

    /// <summary>The monitors' view of other cores (set when the monitor on this core starts; <see cref="IRemoteCapabilities.None"/> before).</summary>
    public IRemoteCapabilities Remote
    {
        get => _remote;
        set => _remote = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Names the calling thread (the core's CPU-driver thread) as the only one allowed to invoke.</summary>
    public void BindToCurrentThread() => _owner = Thread.CurrentThread;

    /// <summary>The common start of an invocation: on the owning thread (Debug), the CSpace is this core's, the address names a capability.</summary>
    CapError Find(CSpace cs, Cptr cap, out Cte slot)
    {
        AssertOwner();
        if (cs.Driver != this) { slot = null!; return CapError.WrongCore; }
        return cs.Lookup(cap, out slot);
    }

    [Conditional("DEBUG")]
    void AssertOwner()
    {
        if (_owner != null && _owner != Thread.CurrentThread)
            throw new InvalidOperationException($"the capability driver of core {Core} was invoked from another thread: invocations are checked on the core that owns the CSpace");
    }

    // ---------------------------------------------------------------- boot

    /// <summary>
    /// Boot: creates a CSpace for the first dispatcher on this core from the RAM [<paramref name="ramBase"/>,
    /// + <paramref name="ramBytes"/>). The root CNode (<paramref name="rootSlots"/> slots) is retyped from the start
    /// of that RAM, and the RAM capability is put in <see cref="CSpace.BootRam"/> (slot 0), so everything the CSpace
    /// holds derives from it. Throws on bad arguments (boot is not an invocation).
    /// </summary>
    public CSpace CreateBootCSpace(ulong ramBase, ulong ramBytes, int rootSlots = Cptr.L2Slots)
    {
        AssertOwner();
        ulong cnodeBytes = (ulong)rootSlots * CapTypeRules.SlotBytes;
        if (rootSlots < Cptr.L2Slots || cnodeBytes % CapTypeRules.CNodeGranule != 0 || rootSlots > Cptr.MaxL1 + 1)
            throw new ArgumentOutOfRangeException(nameof(rootSlots), rootSlots, $"a root CNode has a multiple of {Cptr.L2Slots} slots, at most {Cptr.MaxL1 + 1}");
        if (ramBase % CapTypeRules.PageSize != 0 || ramBytes % CapTypeRules.PageSize != 0 || ramBytes <= cnodeBytes)
            throw new ArgumentOutOfRangeException(nameof(ramBytes), $"boot RAM 0x{ramBase:x}+0x{ramBytes:x} must be page-aligned and larger than its root CNode ({cnodeBytes} bytes)");
        if (!Memory.Contains(ramBase, ramBytes))
            throw new ArgumentOutOfRangeException(nameof(ramBase), $"boot RAM 0x{ramBase:x}+0x{ramBytes:x} lies outside physical memory (0x{Memory.Bytes:x} bytes)");
        foreach (var n in Nodes())
            if (n.Cap.Key.Overlaps(ramBase, ramBytes))
                throw new ArgumentException($"boot RAM 0x{ramBase:x}+0x{ramBytes:x} overlaps {n.Cap.Key}, already on core {Core}", nameof(ramBase));

        var root = new CNode(rootSlots);
        var holder = new Cte(null, -1);
        Cte ram = root.Slots[BootRamIndex];
        ram.Cap = new Capability(CapType.Ram, CapRights.All, ramBase, ramBytes, 0, null);
        _mdb.Append(ram, 0);
        holder.Cap = new Capability(CapType.CNode, CapRights.All, ramBase, cnodeBytes, 0, root);
        _mdb.InsertAfter(ram, holder, 1);
        return new CSpace(this, holder);
    }

    const int BootRamIndex = 0;

    /// <summary>Creates a CSpace (for another dispatcher on this core) whose root is a copy of the CNode capability at <paramref name="cnode"/>.</summary>
    public CapError CreateCSpace(CSpace cs, Cptr cnode, out CSpace space)
    {
        space = null!;
        var e = Find(cs, cnode, out Cte c);
        if (e != CapError.Ok) return e;
        if (c.Cap.Type != CapType.CNode) return CapError.WrongType;
        if (c.Cap.Size < CapTypeRules.CNodeGranule) return CapError.InvalidSize;
        var holder = new Cte(null, -1);
        holder.Cap = c.Cap;
        _mdb.InsertAfter(c, holder, c.Depth);
        space = new CSpace(this, holder);
        return CapError.Ok;
    }

    /// <summary>Deletes a CSpace's root capability (the dispatcher is gone); if it was the root CNode's last capability, everything in it is deleted too.</summary>
    public void DestroyCSpace(CSpace space)
    {
        AssertOwner();
        if (space.Driver != this) throw new ArgumentException($"that CSpace belongs to core {space.Core}, not {Core}", nameof(space));
        if (!space.RootSlot.IsEmpty) DeleteOne(space.RootSlot);
    }

    // ---------------------------------------------------------------- invocations

    /// <summary>Describes the capability at <paramref name="cap"/>: its object, rights and owning core.</summary>
    public CapError Identify(CSpace cs, Cptr cap, out CapIdentity identity)
    {
        identity = default;
        var e = Find(cs, cap, out Cte c);
        if (e != CapError.Ok) return e;
        var key = c.Cap.Key;
        identity = new CapIdentity(key, c.Cap.Rights, _remote.OwnerOf(key, Core));
        return CapError.Ok;
    }

    /// <summary>Copies the capability at <paramref name="src"/> into the empty slot <paramref name="dest"/> of the same CSpace.</summary>
    public CapError Copy(CSpace cs, Cptr src, Cptr dest) => Derive(cs, src, cs, dest, null, 0);

    /// <summary>Copies into another CSpace of this core.</summary>
    public CapError Copy(CSpace cs, Cptr src, CSpace destSpace, Cptr dest) => Derive(cs, src, destSpace, dest, null, 0);

    /// <summary>A copy with <paramref name="rights"/> (a subset of the source's) and, for an unbadged Endpoint, a badge (1..2^28-1; 0: none).</summary>
    public CapError Mint(CSpace cs, Cptr src, Cptr dest, CapRights rights, uint badge = 0) => Derive(cs, src, cs, dest, rights, badge);

    /// <summary>Mint into another CSpace of this core.</summary>
    public CapError Mint(CSpace cs, Cptr src, CSpace destSpace, Cptr dest, CapRights rights, uint badge) => Derive(cs, src, destSpace, dest, rights, badge);

    /// <summary>Copy (<paramref name="mask"/> null: the source's rights) or Mint.</summary>
    CapError Derive(CSpace cs, Cptr src, CSpace destSpace, Cptr dest, CapRights? mask, uint badge)
    {
        AssertOwner();
        if (cs.Driver != this || destSpace.Driver != this) return CapError.WrongCore;
        var e = cs.Lookup(src, out Cte s);
        if (e != CapError.Ok) return e;
        e = destSpace.Resolve(dest, out Cte d);
        if (e != CapError.Ok) return e;
        if (!d.IsEmpty) return CapError.SlotInUse;
        CapRights rights = mask ?? s.Cap.Rights;
        if ((rights & ~s.Cap.Rights) != 0) return CapError.RightsNotSubset;
        if (badge != 0 && (s.Cap.Type != CapType.Endpoint || s.Cap.Badge != 0 || badge > CapObjectKey.MaxBadge)) return CapError.InvalidBadge;
        // Not while the monitors decide on the object: a copy made now would vanish when a drop of this core's last
        // copy commits, and a badged endpoint (a new child object) would miss a drop-holder's record of descendants.
        if (_remote.IsLocked(s.Cap.Key)) return CapError.Locked;
        if (badge == 0)
        {
            d.Cap = s.Cap.WithRights(rights);
            _mdb.InsertAfter(s, d, s.Depth); // inside the run: a copy
            return CapError.Ok;
        }
        var cap = s.Cap.WithBadge(rights, badge);
        // A badged endpoint is a child object of the unbadged one; join its run if it already exists here.
        Cte runEnd = MappingDatabase.RunEnd(s);
        for (Cte? n = runEnd.Next; n != null && n.Depth > s.Depth; n = n.Next)
        {
            if (n.Depth == s.Depth + 1 && n.Cap.SameObject(cap))
            {
                d.Cap = cap;
                _mdb.InsertAfter(n, d, n.Depth);
                return CapError.Ok;
            }
        }
        d.Cap = cap;
        _mdb.InsertAfter(runEnd, d, s.Depth + 1);
        return CapError.Ok;
    }

    /// <summary>
    /// Deletes the capability at <paramref name="cap"/>. If it was the object's last capability on this core, its
    /// descendants move up to its parent, a CNode's slots are emptied and a VNode's mappings cleared; if other cores
    /// hold copies, the monitors must agree first (<see cref="CapError.NeedsAgreement"/>).
    /// </summary>
    public CapError Delete(CSpace cs, Cptr cap)
    {
        var e = FindUnlocked(cs, cap, out Cte c, out var rel);
        if (e != CapError.Ok) return e;
        if ((rel & RemoteRelations.Copies) != 0 && !MappingDatabase.HasRunMate(c)) return CapError.NeedsAgreement;
        DeleteOne(c);
        return CapError.Ok;
    }

    /// <summary>
    /// Deletes every other capability to the object at <paramref name="cap"/> on this core and every descendant of it,
    /// leaving <paramref name="cap"/> itself. An object with copies or descendants on other cores needs the monitors
    /// (<see cref="CapError.NeedsAgreement"/>).
    /// </summary>
    public CapError Revoke(CSpace cs, Cptr cap)
    {
        var e = FindUnlocked(cs, cap, out Cte c, out var rel);
        if (e != CapError.Ok) return e;
        if ((rel & (RemoteRelations.Copies | RemoteRelations.Descendants)) != 0) return CapError.NeedsAgreement;
        RevokeLocal(c);
        return CapError.Ok;
    }

    /// <summary>
    /// The slot at <paramref name="cap"/> and what other cores hold of its object; <see cref="CapError.Locked"/> while a
    /// distributed operation on the object is prepared and not yet decided (nothing local may change it meanwhile).
    /// </summary>
    CapError FindUnlocked(CSpace cs, Cptr cap, out Cte c, out RemoteRelations remote)
    {
        remote = RemoteRelations.None;
        var e = Find(cs, cap, out c);
        if (e != CapError.Ok) return e;
        remote = _remote.RelationsOf(c.Cap.Key, Core);
        return (remote & RemoteRelations.Locked) != 0 ? CapError.Locked : CapError.Ok;
    }

    /// <summary>A reference to the capability at <paramref name="cap"/> that notices its deletion (for bindings the kernel keeps).</summary>
    public CapError GetHandle(CSpace cs, Cptr cap, out CapHandle handle)
    {
        handle = default;
        var e = Find(cs, cap, out Cte c);
        if (e != CapError.Ok) return e;
        handle = new CapHandle(c);
        return CapError.Ok;
    }

    /// <summary>
    /// Records which running dispatcher the Dispatcher capability at <paramref name="dispatcher"/> describes (once;
    /// every copy on this core sees it); Endpoints retyped from it then call that dispatcher.
    /// </summary>
    public CapError SetupDispatcher(CSpace cs, Cptr dispatcher, object running)
    {
        ArgumentNullException.ThrowIfNull(running);
        var e = Find(cs, dispatcher, out Cte c);
        if (e != CapError.Ok) return e;
        if (c.Cap.Type != CapType.Dispatcher) return CapError.WrongType;
        if (c.Cap.Object != null) return CapError.DispatcherState;
        for (Cte n = MappingDatabase.RunStart(c); ; n = n.Next!)
        {
            n.Cap = n.Cap.WithObject(running);
            if (n.Next is not { } next || next.Depth != c.Depth || !next.Cap.SameObject(c.Cap)) break;
        }
        return CapError.Ok;
    }

    // ---------------------------------------------------------------- deletion

    /// <summary>Removes one capability (no checks: callers have made them).</summary>
    void DeleteOne(Cte v)
    {
        Debug.Assert(!v.IsEmpty);
        Capability cap = v.Cap;
        if (v.MappedIn != null) ClearMapping(v);
        bool last = !MappingDatabase.HasRunMate(v);
        if (last) MappingDatabase.LiftSubtree(v);
        _mdb.Unlink(v);
        v.Cap = default;
        v.Generation++;
        if (last) Finalise(in cap);
    }

    /// <summary>The object's last capability on this core is gone: release what the object itself holds.</summary>
    void Finalise(in Capability cap)
    {
        if (cap.Type == CapType.CNode)
        {
            // Its slots' capabilities go with it (a CNode that holds a capability to itself is never finalised: a cycle seL4 breaks with zombies, kept here).
            Cte[] slots = Unsafe.As<CNode>(cap.Object!).Slots;
            for (int i = 0; i < slots.Length; i++)
                if (!slots[i].IsEmpty) DeleteOne(slots[i]);
        }
        else if (CapTypeRules.IsVNode(cap.Type))
        {
            var table = Unsafe.As<VNodeTable>(cap.Object!);
            for (int i = 0; i < table.Mapped.Length; i++)
                if (table.Mapped[i] is { } m && m.MappedEntry == i) ClearMapping(m);
        }
    }

    /// <summary>Deletes the run-mates and descendants of <paramref name="x"/>, deepest and latest first, keeping <paramref name="x"/>.</summary>
    void RevokeLocal(Cte x)
    {
        Cte start = MappingDatabase.RunStart(x);
        Cte end = MappingDatabase.SubtreeEnd(MappingDatabase.RunEnd(x));
        if (start == x && end == x) return;
        // Bracket the victims: a CNode finalised on the way may delete slots anywhere, even x itself, so the loop
        // re-reads the last victim from the end marker after every deletion instead of keeping a cursor.
        _mdb.InsertBefore(start, _revokeStart, x.Depth);
        _mdb.InsertAfter(end, _revokeEnd, x.Depth);
        Cte cur = _revokeEnd.Prev!;
        while (cur != _revokeStart)
        {
            if (cur == x) { cur = cur.Prev!; continue; }
            DeleteOne(cur);
            cur = _revokeEnd.Prev!;
        }
        _mdb.Unlink(_revokeStart);
        _mdb.Unlink(_revokeEnd);
    }

    void ClearMapping(Cte m)
    {
        VNodeTable table = m.MappedIn!;
        ulong* words = Memory.FrameWords(table.Base);
        int first = m.MappedEntry, n = m.MappedEntries;
        for (int k = 0; k < n; k++)
        {
            Volatile.Write(ref words[first + k], 0UL);
            table.Mapped[first + k] = null;
        }
        m.MappedIn = null;
        m.MappedEntries = 0;
        UnmapObserver?.EntriesCleared(table.Base, first, n);
    }

    // ---------------------------------------------------------------- diagnostics

    IEnumerable<Cte> Nodes()
    {
        for (Cte? n = _mdb.First; n != null; n = n.Next) yield return n;
    }

    /// <summary>Every capability on this core in mapping-database order (allocates: for tests and diagnostics).</summary>
    public List<CapRecord> Snapshot()
    {
        AssertOwner();
        var list = new List<CapRecord>(_mdb.Count);
        foreach (var n in Nodes()) list.Add(new CapRecord(n.Cap.Key, n.Cap.Rights, n.Depth, n.IsMapped));
        return list;
    }

    /// <summary>Checks the mapping database's invariants; null when they hold, else the first violation.</summary>
    public string? Validate()
    {
        AssertOwner();
        return _mdb.Validate();
    }
}
