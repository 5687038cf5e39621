namespace Splash.Barnes;

/// <summary>
/// How a cell's child slot names a node: 0 is empty, cell c is c + 1 (positive), leaf l is -(l + 1) (negative). Cell
/// and leaf indices are the nodes' sequence numbers: thread p allocates cells [p x maxmycell, (p+1) x maxmycell) and
/// leaves likewise, as the reference program numbers them.
/// </summary>
public static class NodeRef
{
    public const int Empty = 0;

    public static int OfCell(int cell) => cell + 1;

    public static int OfLeaf(int leaf) => -(leaf + 1);

    public static bool IsCell(int node) => node > 0;

    public static int CellIndex(int node) => node - 1;

    public static int LeafIndex(int node) => -node - 1;
}
