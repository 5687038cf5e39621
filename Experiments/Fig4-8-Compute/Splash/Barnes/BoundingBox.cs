namespace Splash.Barnes;

/// <summary>An axis-aligned box grown point by point; <see cref="Empty"/> holds nothing (min +1e99, max -1e99, as BARNES starts).</summary>
public struct BoundingBox
{
    public Vector3d Min, Max;

    public static BoundingBox Empty => new() { Min = new Vector3d(1E99, 1E99, 1E99), Max = new Vector3d(-1E99, -1E99, -1E99) };

    public void Include(double x, double y, double z)
    {
        if (x < Min.X) Min.X = x;
        if (x > Max.X) Max.X = x;
        if (y < Min.Y) Min.Y = y;
        if (y > Max.Y) Max.Y = y;
        if (z < Min.Z) Min.Z = z;
        if (z > Max.Z) Max.Z = z;
    }

    /// <summary>Grows to cover <paramref name="other"/> (corner by corner, so an empty box changes nothing).</summary>
    public void Include(in BoundingBox other)
    {
        if (other.Min.X < Min.X) Min.X = other.Min.X;
        if (other.Min.Y < Min.Y) Min.Y = other.Min.Y;
        if (other.Min.Z < Min.Z) Min.Z = other.Min.Z;
        if (other.Max.X > Max.X) Max.X = other.Max.X;
        if (other.Max.Y > Max.Y) Max.Y = other.Max.Y;
        if (other.Max.Z > Max.Z) Max.Z = other.Max.Z;
    }
}
