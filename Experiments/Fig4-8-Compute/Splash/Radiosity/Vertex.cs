namespace Splash.Radiosity;

/// <summary>A point or direction in single precision, as RADIOSITY computes everything in float.</summary>
public struct Vertex(float x, float y, float z)
{
    public float X = x, Y = y, Z = z;
}
