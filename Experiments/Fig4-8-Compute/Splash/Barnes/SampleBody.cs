namespace Splash.Barnes;

/// <summary>One body's position and velocity.</summary>
public sealed record SampleBody(int Index, Vector3d Position, Vector3d Velocity);
