namespace Fig3.TlbShootdown;

/// <summary>What a process-mode point measured beyond its samples: the boot's startup time and the facts the rows' notes give.</summary>
public sealed record HardwarePoint(LatencySamples[] Series, double StartupMs);
