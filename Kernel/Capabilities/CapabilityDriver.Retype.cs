using System.Runtime.CompilerServices;

namespace Multikernel.Capabilities;

public sealed unsafe partial class CapabilityDriver
{
    /// <summary>
    /// Retypes part of the object at <paramref name="src"/> into <paramref name="count"/> new objects of
    /// <paramref name="type"/>, each <paramref name="objectBytes"/> long (0: the type's fixed size), laid out from
    /// <paramref name="offset"/>, into consecutive empty slots from <paramref name="dest"/> (Barrelfish's
    /// <c>caps_retype</c>). The new objects are children of the source, get its rights, and are zeroed (frames,
    /// tables, dispatcher blocks). Refused with <see cref="CapError.RevokeFirst"/> when the range overlaps a live
    /// descendant, and with <see cref="CapError.NeedsAgreement"/> when other cores hold copies of the object, or
    /// descendants that may overlap the range (a descendant another core holds elsewhere in the object does not stop
    /// a retype of a range it cannot overlap).
    /// </summary>
    public CapError Retype(CSpace cs, Cptr src, CapType type, ulong offset, ulong objectBytes, int count, Cptr dest) =>
        RetypeChecked(cs, src, type, offset, objectBytes, count, cs, dest, agreed: false);

    /// <summary>Retype into slots of another CSpace of this core.</summary>
    public CapError Retype(CSpace cs, Cptr src, CapType type, ulong offset, ulong objectBytes, int count, CSpace destSpace, Cptr dest) =>
        RetypeChecked(cs, src, type, offset, objectBytes, count, destSpace, dest, agreed: false);

    /// <summary>
    /// The retype of a shared object after the monitors agreed on it (every holder voted that the range overlaps
    /// none of its descendants): the same checks, except that remote relations do not refuse it, and overlap is
    /// checked against every descendant on this core by range, wherever it sits in the tree.
    /// </summary>
    public CapError RetypeAgreed(CSpace cs, Cptr src, CapType type, ulong offset, ulong objectBytes, int count, Cptr dest) =>
        RetypeChecked(cs, src, type, offset, objectBytes, count, cs, dest, agreed: true);

    CapError RetypeChecked(CSpace cs, Cptr src, CapType type, ulong offset, ulong objectBytes, int count, CSpace destSpace, Cptr dest, bool agreed)
    {
        AssertOwner();
        if (cs.Driver != this || destSpace.Driver != this) return CapError.WrongCore;
        var e = cs.Lookup(src, out Cte s);
        if (e != CapError.Ok) return e;
        ref readonly Capability sc = ref s.Cap;
        if (!CapTypeRules.CanRetype(sc.Type, type)) return CapError.InvalidRetype;
        if (!CapTypeRules.TryObjectSize(type, objectBytes, out ulong bytes)) return CapError.InvalidSize;
        if (count < 1) return CapError.InvalidCount;
        if (offset % CapTypeRules.PageSize != 0) return CapError.InvalidOffset;
        if (type == CapType.Endpoint)
        {
            if (count != 1) return CapError.InvalidCount;
            if (offset != 0) return CapError.InvalidOffset;
            if (sc.Object == null) return CapError.DispatcherState;
            bytes = sc.Size;
        }
        ulong total = (ulong)count * bytes;
        if (total / bytes != (ulong)count || offset > sc.Size || total > sc.Size - offset) return CapError.InvalidOffset;
        if (type == sc.Type && offset == 0 && total == sc.Size && count == 1) return CapError.InvalidRetype; // would be a copy, not a new object
        ulong first = sc.Base + offset;

        e = destSpace.Resolve(dest, out Cte d0);
        if (e != CapError.Ok) return e;
        CNode? container = d0.Container;
        if (container == null) return CapError.InvalidAddress;
        if (count > container.Slots.Length - d0.Index) return CapError.InvalidCount;
        for (int i = 0; i < count; i++)
            if (!container.Slots[d0.Index + i].IsEmpty) return CapError.SlotInUse;
        if (type != CapType.CNode && type != CapType.Endpoint && !Memory.Contains(first, total)) return CapError.OutsidePhysicalMemory;

        var key = sc.Key;
        if (!agreed)
        {
            var rel = _remote.RelationsOfRange(key, first, total, Core);
            if ((rel & RemoteRelations.Locked) != 0) return CapError.Locked;
            if ((rel & (RemoteRelations.Copies | RemoteRelations.Descendants)) != 0) return CapError.NeedsAgreement;
        }
        Cte runEnd = MappingDatabase.RunEnd(s);
        if (agreed ? AnyDescendantOverlapping(key, first, total) : SubtreeOverlaps(runEnd, first, total)) return CapError.RevokeFirst;

        // Checked: from here nothing fails.
        int depth = s.Depth + 1;
        Cte anchor = runEnd;
        CapRights rights = sc.Rights;
        object? dispatcher = sc.Object;
        for (int i = 0; i < count; i++)
        {
            ulong b = first + (ulong)i * bytes;
            object? obj = type switch
            {
                CapType.CNode => new CNode((int)(bytes / CapTypeRules.SlotBytes)),
                CapType.Endpoint => dispatcher,
                _ when CapTypeRules.IsVNode(type) => new VNodeTable(b),
                _ => null,
            };
            if (type is CapType.Frame or CapType.Dispatcher || CapTypeRules.IsVNode(type)) Zero(b, bytes);
            Cte d = container.Slots[d0.Index + i];
            d.Cap = new Capability(type, rights, b, bytes, 0, obj);
            _mdb.InsertAfter(anchor, d, depth);
            anchor = d;
        }
        return CapError.Ok;
    }

    /// <summary>True when a node of the subtree below the run ending at <paramref name="runEnd"/> overlaps [first, first + bytes).</summary>
    static bool SubtreeOverlaps(Cte runEnd, ulong first, ulong bytes)
    {
        for (Cte? n = runEnd.Next; n != null && n.Depth > runEnd.Depth; n = n.Next)
            if (n.Cap.Key.Overlaps(first, bytes)) return true;
        return false;
    }

    /// <summary>True when any capability on this core names a descendant of <paramref name="parent"/> overlapping [first, first + bytes) (by range, wherever it sits).</summary>
    bool AnyDescendantOverlapping(in CapObjectKey parent, ulong first, ulong bytes)
    {
        for (Cte? n = _mdb.First; n != null; n = n.Next)
        {
            var k = n.Cap.Key;
            if (k.Overlaps(first, bytes) && k.IsDescendantOf(parent)) return true;
        }
        return false;
    }

    void Zero(ulong first, ulong bytes)
    {
        for (ulong pa = first; pa < first + bytes; pa += CapTypeRules.PageSize)
            Unsafe.InitBlockUnaligned(Memory.FrameWords(pa), 0, (uint)CapTypeRules.PageSize);
    }
}
