namespace Multikernel.Capabilities;

/// <summary>
/// The cross-core half: what a monitor asks of its core's driver to send a capability, install a received one, and
/// carry out its part of a distributed delete, revoke or retype once the monitors have agreed on it. These are
/// monitor-only invocations (Barrelfish's monitor-only syscalls); they do not consult <see cref="IRemoteCapabilities"/>
/// for permission, because the agreement already decided.
/// </summary>
public sealed partial class CapabilityDriver
{
    /// <summary>
    /// Serializes the capability at <paramref name="cap"/> for another core, with <paramref name="rights"/> (a subset
    /// of its own). Needs <see cref="CapRights.Grant"/>; only RAM, Frame and Endpoint capabilities travel. Changes
    /// nothing here: the monitors then agree to add the receiver as a holder and send a <see cref="CapabilityMessages.Transfer"/>.
    /// </summary>
    public CapError Export(CSpace cs, Cptr cap, CapRights rights, out SerializedCap sent)
    {
        sent = default;
        var e = Find(cs, cap, out Cte c);
        if (e != CapError.Ok) return e;
        if (!CapTypeRules.IsTransferable(c.Cap.Type)) return CapError.NotTransferable;
        if ((c.Cap.Rights & CapRights.Grant) == 0) return CapError.MissingRights;
        if ((rights & ~c.Cap.Rights) != 0) return CapError.RightsNotSubset;
        var key = c.Cap.Key;
        if ((_remote.RelationsOf(key, Core) & RemoteRelations.Locked) != 0) return CapError.Locked;
        sent = new SerializedCap(key, rights, _remote.OwnerOf(key, Core));
        return CapError.Ok;
    }

    /// <summary>
    /// Installs a capability received from another core into the empty slot <paramref name="dest"/>. Refused with
    /// <see cref="CapError.NotAHolder"/> unless the ownership table (as this core's replica has it) lists this core
    /// as a holder: a capability that travelled while its object was revoked is dropped; <see cref="CapError.Locked"/>
    /// while an agreement on the object is prepared here (try again once it is decided). It joins the object's run
    /// if this core already has a copy; else it goes below the deepest ancestor of its object on this core (a root when
    /// there is none), and every capability here to an object derived from it moves below it, so that a local revoke
    /// or retype, which look only at the subtree, see every local descendant.
    /// </summary>
    public CapError Import(CSpace cs, Cptr dest, in SerializedCap cap)
    {
        AssertOwner();
        if (cs.Driver != this) return CapError.WrongCore;
        var e = cs.Resolve(dest, out Cte d);
        if (e != CapError.Ok) return e;
        if (!d.IsEmpty) return CapError.SlotInUse;
        var key = cap.Key;
        if (!CapTypeRules.IsTransferable(key.Type)) return CapError.NotTransferable;
        if (key.Size == 0 || key.Size % CapTypeRules.PageSize != 0 || key.Base % CapTypeRules.PageSize != 0) return CapError.InvalidSize;
        if (key.Type != CapType.Endpoint && !Memory.Contains(key.Base, key.Size)) return CapError.OutsidePhysicalMemory;
        if (!_remote.IsHolder(key, Core)) return CapError.NotAHolder;
        if (_remote.IsLocked(key)) return CapError.Locked; // a drop of this core's last copy may commit and delete it
        Cte? run = FindRun(key);
        d.Cap = new Capability(key.Type, cap.Rights, key.Base, key.Size, key.Badge, run?.Cap.Object);
        if (run != null) { _mdb.InsertAfter(run, d, run.Depth); return CapError.Ok; }
        if (DeepestAncestor(key) is { } parent) _mdb.InsertAfter(MappingDatabase.SubtreeEnd(MappingDatabase.RunEnd(parent)), d, parent.Depth + 1);
        else _mdb.Append(d, 0);
        AdoptDescendants(d);
        return CapError.Ok;
    }

    /// <summary>The deepest capability on this core to an object <paramref name="key"/>'s object derives from (null: none).</summary>
    Cte? DeepestAncestor(in CapObjectKey key)
    {
        Cte? best = null;
        for (Cte? n = _mdb.First; n != null; n = n.Next)
            if ((best == null || n.Depth > best.Depth) && key.IsDescendantOf(n.Cap.Key)) best = n;
        return best;
    }

    /// <summary>
    /// Moves every subtree whose root derives from <paramref name="d"/>'s object (and which is not below
    /// <paramref name="d"/> already) to the end of <paramref name="d"/>'s subtree, one level below it, keeping the
    /// subtrees' order and shape. <paramref name="d"/> has no run-mates.
    /// </summary>
    void AdoptDescendants(Cte d)
    {
        var key = d.Cap.Key;
        Cte last = d; // the last node of d's subtree
        for (Cte? n = _mdb.First; n != null;)
        {
            if (n == d) { n = last.Next; continue; }
            if (!n.Cap.Key.IsDescendantOf(key)) { n = n.Next; continue; }
            Cte end = MappingDatabase.SubtreeEnd(n);
            Cte? after = end.Next;
            int shift = d.Depth + 1 - n.Depth;
            for (Cte m = n; ;)
            {
                Cte? next = m.Next;
                int depth = m.Depth + shift;
                _mdb.Unlink(m);
                _mdb.InsertAfter(last, m, depth);
                last = m;
                if (m == end) break;
                m = next!;
            }
            n = after;
        }
    }

    /// <summary>True when this core has a capability to <paramref name="key"/>'s object.</summary>
    public bool Holds(in CapObjectKey key) => FindRun(key) != null;

    /// <summary>A participant's vote on a distributed retype: true when a descendant of <paramref name="parent"/> on this core overlaps [first, first + bytes).</summary>
    public bool HasDescendantOverlapping(in CapObjectKey parent, ulong first, ulong bytes)
    {
        AssertOwner();
        return AnyDescendantOverlapping(parent, first, bytes);
    }

    /// <summary>
    /// A participant's part of a committed distributed revoke (or of the delete of an object's last copies): deletes
    /// every capability on this core to <paramref name="key"/>'s object and to every object derived from it, found by
    /// range wherever it sits in the tree. Returns how many were deleted.
    /// </summary>
    public int DeleteCopiesAndDescendants(in CapObjectKey key)
    {
        AssertOwner();
        return DeleteMatching(key, keep: null);
    }

    /// <summary>
    /// This core's part of a committed "stop holding" agreement (the delete of its last copy of a shared object):
    /// deletes every capability to <paramref name="key"/>'s object on this core; its descendants stay and move up.
    /// Returns how many were deleted.
    /// </summary>
    public int DeleteAllCopies(in CapObjectKey key)
    {
        AssertOwner();
        int deleted = 0;
        for (Cte? run = FindRun(key); run != null; run = FindRun(key))
        {
            DeleteOne(run);
            deleted++;
        }
        return deleted;
    }

    /// <summary>The coordinator's part of a committed distributed revoke: revokes locally and deletes any other capability to the object or its descendants on this core, keeping <paramref name="cap"/>.</summary>
    public CapError RevokeAgreed(CSpace cs, Cptr cap)
    {
        var e = Find(cs, cap, out Cte x);
        if (e != CapError.Ok) return e;
        RevokeLocal(x);
        DeleteMatching(x.Cap.Key, keep: x);
        return CapError.Ok;
    }

    /// <summary>Deletes the capability at <paramref name="cap"/> after the monitors agreed (the last copy of a shared object).</summary>
    public CapError DeleteAgreed(CSpace cs, Cptr cap)
    {
        var e = Find(cs, cap, out Cte c);
        if (e != CapError.Ok) return e;
        DeleteOne(c);
        return CapError.Ok;
    }

    Cte? FindRun(in CapObjectKey key)
    {
        for (Cte? n = _mdb.First; n != null; n = n.Next)
            if (n.Cap.Key == key) return n;
        return null;
    }

    /// <summary>Deletes, latest first, every node whose object is <paramref name="key"/> or derives from it, except <paramref name="keep"/>.</summary>
    int DeleteMatching(in CapObjectKey key, Cte? keep)
    {
        int deleted = 0;
        Cte? cur = _mdb.Last;
        while (cur != null)
        {
            Cte? prev = cur.Prev;
            var k = cur.Cap.Key;
            if (cur != keep && (k == key || k.IsDescendantOf(key)))
            {
                uint generation = prev?.Generation ?? 0;
                DeleteOne(cur);
                deleted++;
                // A finalised CNode may have emptied slots anywhere, prev among them: start again from the end.
                if (prev != null && (prev.Generation != generation || prev.IsEmpty)) { cur = _mdb.Last; continue; }
            }
            cur = prev;
        }
        return deleted;
    }
}
