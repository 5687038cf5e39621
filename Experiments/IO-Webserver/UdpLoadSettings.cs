using System.Net;

namespace IOWebserver;

/// <summary>What one load run asks for.</summary>
/// <param name="Flows">Client sockets (flows); each keeps <paramref name="Window"/> datagrams outstanding (closed loop).</param>
/// <param name="MaxPackets">Upper bound on datagrams sent in the run, whatever the duration.</param>
/// <param name="Cores">CPUs of the generator's threads: one thread pinned to each of the first min(cores, flows), the
/// flows dealt to them in turn (flow f to thread f mod threads).</param>
public sealed record UdpLoadSettings(int Port, int PayloadBytes, int Flows, int Window, TimeSpan Duration, long MaxPackets, IReadOnlyList<int> Cores)
{
    /// <summary>Generator threads: one per core, at most one per flow.</summary>
    public int Threads => Math.Min(Cores.Count, Flows);

    /// <summary>Flow id, sequence number and send timestamp travel in the first bytes of every datagram.</summary>
    public const int HeaderBytes = 24;
    public const int MinPayload = HeaderBytes, MaxPayload = 8192;
    /// <summary>The server's address (127.0.0.1 unless the series runs on the veth wire).</summary>
    public IPAddress Address { get; init; } = IPAddress.Loopback;
    /// <summary>The most round trips a run keeps for its percentiles; beyond them a uniform sample of this many.</summary>
    public int LatencySamples { get; init; } = UdpLoadGenerator.MaxLatencySamples;
    /// <summary>The network namespace the generator's sockets are made in (null: this process's own; the far namespace on the veth wire).</summary>
    public string? Namespace { get; init; }
}
