namespace Splash.Radiosity;

/// <summary>One input polygon of a scene: a triangle, or a parallelogram p1, p2, p3 (fourth corner p2 + p3 - p1).</summary>
public sealed record ScenePolygon(bool IsParallelogram, Rgb Reflectance, Rgb Emittance, Vertex P1, Vertex P2, Vertex P3);
