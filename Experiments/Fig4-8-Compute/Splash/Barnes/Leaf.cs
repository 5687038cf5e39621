namespace Splash.Barnes;

/// <summary>
/// A leaf of the octree: up to <see cref="BarnesHut.MaxBodiesPerLeaf"/> bodies in insertion order, their centre of
/// mass, total mass and cost, the level bit, the parent cell and the slot it fills there.
/// </summary>
public struct Leaf
{
    public double Mass, X, Y, Z;
    public int Count;
    public LeafSlots Bodies;
    public long Cost;
    public long Level;
    public int Parent;
    public int ChildNum;
    /// <summary>1 once the centre of mass is final for this step (set and waited for under the node's hashed lock).</summary>
    public int Done;
}
