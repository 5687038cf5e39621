namespace Multikernel.Urpc;

/// <summary>
/// Where one ring's memory is: the NUMA node it was asked to be on (its receiver's) and the node each of its pages
/// is on now, as the host kernel answers a move_pages query (a negative entry is the kernel's error for that page).
/// </summary>
public readonly record struct RingPlacement(int RequestedNode, int[]? PageNodes)
{
    /// <summary>True when the host kernel could be asked (x86-64 Linux).</summary>
    public bool IsKnown => PageNodes != null;

    /// <summary>True when the placement is known and every page is resident on the requested node (or no node was requested).</summary>
    public bool OnRequestedNode
    {
        get
        {
            if (PageNodes == null) return false;
            if (RequestedNode < 0) return true;
            foreach (int n in PageNodes) if (n != RequestedNode) return false;
            return true;
        }
    }

    public override string ToString() =>
        $"asked for node {RequestedNode}, pages on {(PageNodes == null ? "unknown" : string.Join(',', PageNodes))}";
}
