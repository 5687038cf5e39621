namespace Multikernel.Capabilities;

/// <summary>
/// The static rules of the type system: what may be retyped into what, object sizes, and which VNode level links
/// which type. Pure functions, the same on every core.
/// </summary>
public static class CapTypeRules
{
    public const int PageShift = 12;
    public const ulong PageSize = 1UL << PageShift;
    /// <summary>Memory one CNode slot accounts for (Barrelfish's OBJBITS_CTE = 6).</summary>
    public const int SlotBytes = 64;
    /// <summary>Smallest CNode: one L2 CNode of <see cref="Cptr.L2Slots"/> slots (16 KiB); CNode sizes are multiples of it.</summary>
    public const ulong CNodeGranule = (ulong)Cptr.L2Slots * SlotBytes;
    /// <summary>Entries in one page-table page.</summary>
    public const int VNodeEntries = 512;

    /// <summary>True when a capability of <paramref name="source"/> type may be retyped into <paramref name="target"/> objects.</summary>
    public static bool CanRetype(CapType source, CapType target) => source switch
    {
        CapType.Ram => target is CapType.Ram or CapType.Frame or CapType.CNode or CapType.Dispatcher || IsVNode(target),
        CapType.Dispatcher => target == CapType.Endpoint,
        _ => false,
    };

    public static bool IsVNode(CapType t) => t is >= CapType.VNodePml4 and <= CapType.VNodePtable;

    /// <summary>Page-table level of a VNode type: 3 (PML4) down to 0 (last-level table).</summary>
    public static int VNodeLevel(CapType t) => IsVNode(t) ? CapType.VNodePtable - t
        : throw new ArgumentOutOfRangeException(nameof(t), t, "not a VNode type");

    /// <summary>The type an entry of a <paramref name="vnode"/> table maps or links (Null for a non-VNode type).</summary>
    public static CapType EntryType(CapType vnode) => vnode switch
    {
        CapType.VNodePml4 => CapType.VNodePdpt,
        CapType.VNodePdpt => CapType.VNodePdir,
        CapType.VNodePdir => CapType.VNodePtable,
        CapType.VNodePtable => CapType.Frame,
        _ => CapType.Null,
    };

    /// <summary>Types whose capabilities may travel to another core (their object is memory or a remote-callable endpoint, not core-local state).</summary>
    public static bool IsTransferable(CapType t) => t is CapType.Ram or CapType.Frame or CapType.Endpoint;

    /// <summary>
    /// Checks an object size for <paramref name="type"/> and returns the size to use (0 picks the type's fixed size).
    /// False when the size is not allowed: memory objects are positive page multiples, CNodes multiples of
    /// <see cref="CNodeGranule"/>, VNodes and Dispatchers exactly one page.
    /// </summary>
    public static bool TryObjectSize(CapType type, ulong requested, out ulong bytes)
    {
        bytes = requested;
        switch (type)
        {
            case CapType.Ram:
            case CapType.Frame:
                return requested > 0 && requested % PageSize == 0;
            case CapType.CNode:
                return requested > 0 && requested % CNodeGranule == 0 && requested / SlotBytes <= int.MaxValue;
            case CapType.Dispatcher:
            case CapType.VNodePml4:
            case CapType.VNodePdpt:
            case CapType.VNodePdir:
            case CapType.VNodePtable:
                if (requested == 0) bytes = PageSize;
                return bytes == PageSize;
            case CapType.Endpoint:
                return requested is 0 or PageSize;
            default:
                return false;
        }
    }
}
