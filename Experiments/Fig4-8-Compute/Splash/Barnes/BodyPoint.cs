namespace Splash.Barnes;

/// <summary>What the force walk reads of a body: its position and mass, 32 bytes (half a cache line).</summary>
public struct BodyPoint
{
    public double X, Y, Z, Mass;
}
