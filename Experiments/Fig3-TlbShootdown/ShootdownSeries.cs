using Multikernel.Monitor;

namespace Fig3.TlbShootdown;

/// <summary>One multikernel series: a shootdown alone with <see cref="Protocol"/>, or an end-to-end unmap (page-table update + shootdown).</summary>
public sealed record ShootdownSeries(string Name, RoutingProtocol Protocol, bool Unmap);
