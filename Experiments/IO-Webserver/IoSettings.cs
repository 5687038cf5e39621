using Multikernel.Net.Nic;

namespace IOWebserver;

/// <summary>One run of the io-webserver program, as the command line asked for it.</summary>
public sealed class IoSettings
{
    public const string ExperimentId = "io-webserver";
    public const string Udp = "udp", Static = "static", Dynamic = "dynamic";
    public static readonly string[] Parts = [Udp, Static, Dynamic];

    /// <summary>Cores in order: the first is the driver core, the second the stack/HTTP core, the third the database core.</summary>
    public required int[] Cores { get; init; }
    /// <summary>How many of <see cref="Cores"/> the server side of each part uses (--server-cores); null: <see cref="ServerCoresFor"/> chooses.</summary>
    public int? ServerCores { get; init; }

    /// <summary>The server layouts' core counts: driver and stack (the HTTP server beside the stack), and for dynamic pages the database's own core.</summary>
    public const int UdpLayoutCores = 2, StaticLayoutCores = 2, DynamicLayoutCores = 3;

    /// <summary>
    /// The cores the server side of a part uses, the first of <see cref="Cores"/>: <see cref="ServerCores"/> where given
    /// (at most the cores given), else as many as the part's layout has (<paramref name="layout"/>) less one where that
    /// would leave the load generator no core of its own (neither a further given core nor another allowed one), so that
    /// on a small machine the server and its load never share a core. Every series of the part, the multikernel's and
    /// the host's, runs on these cores.
    /// </summary>
    public int[] ServerCoresFor(int layout, IReadOnlyList<int> allowed) => Cores[..ServerCoreCount(layout, Cores, allowed, ServerCores)];

    /// <summary><see cref="ServerCoresFor"/>'s count: of <paramref name="cores"/> (the given ones) with <paramref name="allowed"/> the process's cores.</summary>
    public static int ServerCoreCount(int layout, IReadOnlyList<int> cores, IReadOnlyList<int> allowed, int? chosen = null)
    {
        if (chosen is int n) return Math.Min(n, cores.Count);
        int server = Math.Min(layout, cores.Count);
        int spare = cores.Count - server + allowed.Count(c => !cores.Contains(c));
        if (spare == 0 && server > 1) server--;
        return server;
    }
    /// <summary>Length of one timed load run (one repetition).</summary>
    public required TimeSpan Duration { get; init; }
    /// <summary>Timed load runs per series; each gives one sample.</summary>
    public required int Repetitions { get; init; }
    public required int PayloadBytes { get; init; }
    public required int Flows { get; init; }
    public required int Window { get; init; }
    /// <summary>Open HTTP connections the load generator keeps.</summary>
    public required int Connections { get; init; }
    public required IReadOnlySet<string> Only { get; init; }
    public required string OutDir { get; init; }
    public required string Profile { get; init; }
    /// <summary>The NIC driver core's AF_PACKET ring version for the stack=user series (v2: one frame per slot, handed over at once, like a NIC's descriptor ring; v3: blocks, handed over when full or after 1 ms).</summary>
    public PacketRingVersion Ring { get; init; } = PacketRingVersion.V2;
    /// <summary>"v2" or "v3", as Param and the command line spell it.</summary>
    public string RingName => Ring == PacketRingVersion.V2 ? "v2" : "v3";
    /// <summary>The ring the stack=user series' NIC driver core opens.</summary>
    public PacketRingOptions RingOptions => new() { Version = Ring };
    /// <summary>Where the veth wire's kernel receive work runs (--rx-steering).</summary>
    public ReceiveSteering RxSteering { get; init; } = ReceiveSteering.Sender;
    /// <summary>The wire's Param keys for a series of this run (<see cref="SeriesWire.ParamFor"/>).</summary>
    public string WireParam(bool veth) => SeriesWire.ParamFor(veth, RxSteering);
    /// <summary>Untimed load before the first timed run of each series (JIT tiering, socket buffers, caches).</summary>
    public TimeSpan Warmup => TimeSpan.FromSeconds(Math.Min(1.0, Duration.TotalSeconds / 2));
}
