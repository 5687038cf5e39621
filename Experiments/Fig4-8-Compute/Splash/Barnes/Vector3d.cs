namespace Splash.Barnes;

/// <summary>A 3-vector of doubles. Arithmetic is written out component by component where it is used, in the order
/// the reference program evaluates it, so that results match it bit for bit.</summary>
public struct Vector3d(double x, double y, double z)
{
    public double X = x, Y = y, Z = z;

    public override readonly string ToString() => $"({X:E15}, {Y:E15}, {Z:E15})";
}
