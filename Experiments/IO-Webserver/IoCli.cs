using System.CommandLine;
using System.Globalization;
using Experiments.Common;
using Multikernel.Net.Nic;

namespace IOWebserver;

/// <summary>
/// The command line of the io-webserver program. Bad values end with a message naming the option, what was wrong and
/// what is allowed, and exit code <see cref="BadInput"/>.
/// </summary>
public static class IoCli
{
    public const int BadInput = ExitCode.BadInput;

    /// <summary>Seconds per timed run and timed runs per series, for each profile.</summary>
    public static readonly IReadOnlyDictionary<string, (double Duration, int Repetitions)> Profiles = new Dictionary<string, (double, int)>
    {
        ["quick"] = (1, 2),
        ["default"] = (2, 6), // 6 runs: the fewest with a 95% CI for the median
        ["full"] = (10, 11),
    };

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        var allowed = CoreList.Allowed();
        var cores = ExperimentOptions.Cores(allowed, "Cores for the server side", "0-2",
            "The first is the driver core, the second the stack/HTTP core, the third the database core (see --server-cores); the multikernel's stack=kernel extra series need 2.");
        var serverCores = ExperimentOptions.Int("--server-cores",
            "How many of --cores the server side of each part uses, the same for the multikernel and the host baselines (default: the layout's 2 for UDP and static, 3 for dynamic (the database's own core), "
            + "less one where that would leave the load generator no core of its own); 1 runs the multikernel's NIC driver, stack, HTTP server and database dispatchers all on one core", 1, 3);
        var duration = new Option<double?>("--duration")
        {
            Description = "Seconds per timed load run (default: set by the profile); 0.2 to 600",
            CustomParser = r =>
            {
                string text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || double.IsNaN(v))
                {
                    r.AddError($"--duration: '{text}' is not a number of seconds; allowed: 0.2 to 600");
                    return null;
                }
                if (v < 0.2 || v > 600) { r.AddError($"--duration: {text} is out of range; allowed: 0.2 to 600 seconds"); return null; }
                return v;
            },
        };
        var repetitions = ExperimentOptions.Int("--repetitions", "Timed load runs per series (default: set by the profile)", 1, 1000);
        var payload = ExperimentOptions.Int("--payload", "UDP echo payload bytes per datagram (default 1024)", UdpLoadSettings.MinPayload, UdpLoadSettings.MaxPayload);
        var flows = ExperimentOptions.Int("--flows", "UDP client sockets (flows) in the load generator (default 4)", 1, 256);
        var window = ExperimentOptions.Int("--window", "UDP datagrams each flow keeps outstanding (default 8)", 1, 64);
        var connections = ExperimentOptions.Int("--connections", "HTTP connections the load generator keeps open (default 32); wrk opens as many on each of its threads (one per load core, up to 4), so the count is rounded down to a multiple of them", 1, 1000);
        var only = new Option<string>("--only")
        {
            Description = $"Parts to run, comma-separated: {string.Join(", ", IoSettings.Parts)} (default: all)",
            DefaultValueFactory = _ => string.Join(",", IoSettings.Parts),
        };
        only.Validators.Add(r =>
        {
            var parts = (r.GetValueOrDefault<string>() ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0) r.AddError($"--only: give at least one part; allowed: {string.Join(", ", IoSettings.Parts)}");
            foreach (var p in parts)
                if (!IoSettings.Parts.Contains(p)) r.AddError($"--only: '{p}' is not a part of this experiment; allowed: {string.Join(", ", IoSettings.Parts)}");
        });
        var ring = ExperimentOptions.Choice("--ring",
            "AF_PACKET ring of the user-level stack's NIC driver core: v2 (one frame per slot, handed over as soon as it is written, like a NIC's descriptor ring) or v3 (blocks of frames, handed over when full or 1 ms after they open: a latency floor for request/response traffic)",
            "a ring version", "v2", "v3");
        var rxSteering = ExperimentOptions.Choice("--rx-steering",
            "Where the kernel's receive work for the veth wire runs: sender (the veth's default: each end's on the core that sent the frame, so the server side's on the load generator's cores and the far side's on the server's) or sides (Receive Packet Steering: the server end's on the server's first core, the far end's on the load generator's cores, as with two machines)",
            "a steering", "sender", "sides");
        var outDir = ExperimentOptions.OutDir(IoSettings.ExperimentId);
        var profiles = new ProfileOptions($"Smoke-test size ({Describe("quick")})", $"Publication size ({Describe("full")})", Describe);

        var root = new RootCommand(
            $"{ExperimentRegistry.Get(IoSettings.ExperimentId).Title}: UDP echo and a web server (static page; SQLite-backed dynamic pages) on the multikernel's " +
            $"NIC driver, user-level stack and server cores over the run's own veth wire (and, as an extra series, on the host kernel's stack over loopback) " +
            $"against a host socket loop, Kestrel and lighttpd on the same cores and wire. Default size: {Describe("default")}.");
        foreach (var o in new Option[] { cores, serverCores, duration, repetitions, payload, flows, window, connections, only, ring, rxSteering, outDir, profiles.Quick, profiles.Full }) root.Options.Add(o);
        profiles.AddCheckTo(root);

        root.SetAction(pr =>
        {
            string profile = profiles.Chosen(pr);
            var (defDuration, defReps) = Profiles[profile];
            var settings = new IoSettings
            {
                Cores = CoreList.Parse(pr.GetValue(cores) ?? "all", allowed),
                ServerCores = pr.GetValue(serverCores),
                Duration = TimeSpan.FromSeconds(pr.GetValue(duration) ?? defDuration),
                Repetitions = pr.GetValue(repetitions) ?? defReps,
                PayloadBytes = pr.GetValue(payload) ?? 1024,
                Flows = pr.GetValue(flows) ?? 4,
                Window = pr.GetValue(window) ?? 8,
                Connections = pr.GetValue(connections) ?? 32,
                Only = (pr.GetValue(only) ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(),
                OutDir = pr.GetValue(outDir) ?? ExperimentOptions.DefaultRunFolder(),
                Profile = profile,
                Ring = pr.GetValue(ring) == "v3" ? PacketRingVersion.V3 : PacketRingVersion.V2,
                RxSteering = pr.GetValue(rxSteering) == "sides" ? ReceiveSteering.Sides : ReceiveSteering.Sender,
            };
            if (settings.ServerCores > settings.Cores.Length)
            {
                stderr.WriteLine($"io-webserver: --server-cores: {settings.ServerCores} is more than the {settings.Cores.Length} core(s) --cores gives ({CoreList.Format(settings.Cores)}); allowed: 1 to {Math.Min(3, settings.Cores.Length)}");
                return ExitCode.BadInput;
            }
            if (!ExperimentOptions.RunFolderReady(settings.OutDir, [IoSettings.ExperimentId], "io-webserver", stderr)) return ExitCode.BadInput;
            return IoRun.Execute(settings, stdout, stderr, cancel);
        });

        return ExperimentOptions.ParseAndInvoke(root, args, "io-webserver", stdout, stderr);
    }

    static string Describe(string profile) =>
        string.Create(CultureInfo.InvariantCulture, $"{Profiles[profile].Repetitions} timed runs of {Profiles[profile].Duration} s per series");
}
