namespace Splash.Radiosity;

/// <summary>A colour triple (reflectance, emittance, radiosity or energy per channel), single precision.</summary>
public struct Rgb(float r, float g, float b)
{
    public float R = r, G = g, B = b;

    public override readonly string ToString() => $"RGB({R:F2}, {G:F2}, {B:F2})";
}
