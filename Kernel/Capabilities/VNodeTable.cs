namespace Multikernel.Capabilities;

/// <summary>
/// The core-local state of one page-table page (VNode object): its physical address, and for each of its 512
/// entries the capability mapped there (the shadow the kernel keeps so that deleting a frame or table capability
/// can find and clear its entries; Barrelfish keeps Mapping capabilities for this).
/// <para>Invariant: <c>Mapped[i] != null</c> exactly when entry i of the table is present; a capability mapped
/// at entries [e, e + n) is recorded in all n of them.</para>
/// </summary>
internal sealed class VNodeTable
{
    public readonly ulong Base;
    public readonly Cte?[] Mapped = new Cte?[CapTypeRules.VNodeEntries];

    public VNodeTable(ulong @base) => Base = @base;
}
