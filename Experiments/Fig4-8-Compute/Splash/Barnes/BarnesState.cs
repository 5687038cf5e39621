namespace Splash.Barnes;

/// <summary>
/// The shared data of a BARNES run, one array per quantity: the bodies (position and mass together, as the force walk
/// reads them; velocity, acceleration, potential; the cost carried into this step and the one being measured) and the
/// cell and leaf pools. Who writes what when is BarnesHut's phase structure.
/// </summary>
sealed class BarnesState(int bodies, int cells, int leaves)
{
    public readonly BodyPoint[] Points = new BodyPoint[bodies];
    public readonly Vector3d[] Velocities = new Vector3d[bodies];
    public readonly Vector3d[] Accelerations = new Vector3d[bodies];
    public readonly double[] Potentials = new double[bodies];
    /// <summary>Interactions of each body in the previous step: the cost that partitions this step.</summary>
    public readonly long[] Costs = new long[bodies];
    /// <summary>Interactions of each body in this step; becomes its cost after the force barrier.</summary>
    public readonly long[] NextCosts = new long[bodies];
    public readonly Cell[] Cells = new Cell[cells];
    public readonly Leaf[] Leaves = new Leaf[leaves];
}
