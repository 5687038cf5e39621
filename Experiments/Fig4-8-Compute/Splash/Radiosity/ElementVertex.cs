namespace Splash.Radiosity;

/// <summary>A vertex shared by the elements that meet there, with the area-weighted radiosity averaged onto it at the end.</summary>
public struct ElementVertex
{
    public Vertex P;
    public Rgb Color;
    public float Weight;
}
