namespace Multikernel.Capabilities;

/// <summary>
/// A capability table entry: one slot of a CNode (or the slot a CSpace keeps its root CNode cap in), with its links
/// in the core's <see cref="MappingDatabase"/> (seL4's <c>cte_t</c>: capability plus MDB node).
/// <para>Invariants: a slot is in the mapping database exactly when it holds a capability; <see cref="Generation"/>
/// grows by one every time the slot is emptied, so a <see cref="CapHandle"/> taken earlier can tell; a slot whose
/// capability is mapped into a page table records where (<see cref="MappedIn"/>, <see cref="MappedEntry"/>), and that
/// table's record of the entry names this slot.</para>
/// </summary>
public sealed class Cte
{
    internal Capability Cap;
    // Mapping database: preorder list of the derivation tree, depth = distance from a root.
    internal Cte? Prev;
    internal Cte? Next;
    internal int Depth;
    internal uint Generation;
    // Where this capability is mapped (Frame or VNode caps only).
    internal VNodeTable? MappedIn;
    internal int MappedEntry;
    internal int MappedEntries;

    /// <summary>The CNode this slot belongs to (null for a CSpace's root holder or a driver-internal marker).</summary>
    internal CNode? Container { get; }
    /// <summary>Index of this slot in <see cref="Container"/>.</summary>
    internal int Index { get; }

    internal Cte(CNode? container, int index)
    {
        Container = container;
        Index = index;
    }

    public Capability Capability => Cap;
    public bool IsEmpty => Cap.Type == CapType.Null;
    /// <summary>Depth in the core's derivation tree (0: no local ancestor).</summary>
    public int DerivationDepth => Depth;
    public bool IsMapped => MappedIn != null;

    public override string ToString() => $"slot {Index}: {Cap}";
}
