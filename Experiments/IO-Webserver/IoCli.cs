using System.CommandLine;
using System.Globalization;
using Experiments.Common;

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
        ["default"] = (2, 5),
        ["full"] = (10, 11),
    };

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        var allowed = CoreList.Allowed();
        var cores = ExperimentOptions.Cores(allowed, "Cores for the server side", "0-2",
            "The first is the driver core, the second the stack/HTTP core, the third the database core; the multikernel UDP and static series need 2, dynamic needs 2 (3 gives the database its own core).");
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
        var connections = ExperimentOptions.Int("--connections", "HTTP connections the load generator keeps open (default 32)", 1, 1000);
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
        var outDir = ExperimentOptions.OutDir(IoSettings.ExperimentId);
        var profiles = new ProfileOptions($"Smoke-test size ({Describe("quick")})", $"Publication size ({Describe("full")})", Describe);

        var root = new RootCommand(
            $"{ExperimentRegistry.Get(IoSettings.ExperimentId).Title}, on loopback: UDP echo and a web server (static page; SQLite-backed dynamic pages) on the multikernel's " +
            $"driver/stack/server cores against a host socket loop, Kestrel and lighttpd on the same cores. Default size: {Describe("default")}.");
        foreach (var o in new Option[] { cores, duration, repetitions, payload, flows, window, connections, only, outDir, profiles.Quick, profiles.Full }) root.Options.Add(o);
        profiles.AddCheckTo(root);

        root.SetAction(pr =>
        {
            string profile = profiles.Chosen(pr);
            var (defDuration, defReps) = Profiles[profile];
            var settings = new IoSettings
            {
                Cores = CoreList.Parse(pr.GetValue(cores) ?? "all", allowed),
                Duration = TimeSpan.FromSeconds(pr.GetValue(duration) ?? defDuration),
                Repetitions = pr.GetValue(repetitions) ?? defReps,
                PayloadBytes = pr.GetValue(payload) ?? 1024,
                Flows = pr.GetValue(flows) ?? 4,
                Window = pr.GetValue(window) ?? 8,
                Connections = pr.GetValue(connections) ?? 32,
                Only = (pr.GetValue(only) ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(),
                OutDir = pr.GetValue(outDir) ?? ExperimentOptions.DefaultRunFolder(),
                Profile = profile,
            };
            if (!ExperimentOptions.RunFolderReady(settings.OutDir, [IoSettings.ExperimentId], "io-webserver", stderr)) return ExitCode.BadInput;
            return IoRun.Execute(settings, stdout, stderr, cancel);
        });

        return ExperimentOptions.ParseAndInvoke(root, args, "io-webserver", stdout, stderr);
    }

    static string Describe(string profile) =>
        string.Create(CultureInfo.InvariantCulture, $"{Profiles[profile].Repetitions} timed runs of {Profiles[profile].Duration} s per series");
}
