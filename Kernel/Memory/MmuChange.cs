namespace Multikernel.Memory;

/// <summary>
/// One change to the translations of <see cref="Pages"/> pages from <see cref="Va"/> in address space
/// <see cref="SpaceId"/>, as a shootdown carries it to every participating core (see <see cref="MmuOp"/>).
/// </summary>
public readonly record struct MmuChange(ulong SpaceId, ulong Va, long Pages, MmuOp Op)
{
    /// <summary>True when the change edits page tables (every op but <see cref="MmuOp.Invalidate"/>).</summary>
    public bool EditsPageTables => Op != MmuOp.Invalidate;

    /// <summary>What the pages allow once the change is applied: null for no access.</summary>
    public PageRights? RightsAfter => Op switch
    {
        MmuOp.ProtectRead => PageRights.ReadOnly,
        MmuOp.ProtectReadWrite or MmuOp.Remap => PageRights.ReadWrite,
        MmuOp.ProtectNone or MmuOp.Unmap => null,
        _ => throw new InvalidOperationException($"{Op} does not say what the pages allow"),
    };
}
