namespace Fig3.TlbShootdown;

/// <summary>One multikernel series: its operation and the route it takes.</summary>
public sealed record ShootdownSeries(string Name, RoutingProtocol Protocol, SeriesKind Kind);
