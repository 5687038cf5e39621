namespace Splash.Radiosity;

/// <summary>A patch's plane: unit normal N and constant C with N.P + C = 0 for P on the plane.</summary>
public struct PlaneEquation
{
    public Vertex N;
    public float C;
}
