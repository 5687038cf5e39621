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
    public const int BadInput = 2;

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
        var cores = new Option<string>("--cores")
        {
            Description = $"Cores for the server side, a list or ranges such as 0-2 or 'all' (default: all allowed, here {CoreList.Format(allowed)}). " +
                          "The first is the driver core, the second the stack/HTTP core, the third the database core; the multikernel UDP and static series need 2, dynamic needs 2 (3 gives the database its own core).",
            DefaultValueFactory = _ => "all",
        };
        cores.Validators.Add(r =>
        {
            try { CoreList.Parse(r.GetValueOrDefault<string>() ?? "", allowed); }
            catch (FormatException e) { r.AddError(e.Message); }
        });
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
        var repetitions = IntOption("--repetitions", "Timed load runs per series (default: set by the profile)", 1, 1000);
        var payload = IntOption("--payload", "UDP echo payload bytes per datagram (default 1024)", UdpLoadSettings.MinPayload, UdpLoadSettings.MaxPayload);
        var flows = IntOption("--flows", "UDP client sockets (flows) in the load generator (default 4)", 1, 256);
        var window = IntOption("--window", "UDP datagrams each flow keeps outstanding (default 8)", 1, 64);
        var connections = IntOption("--connections", "HTTP connections the load generator keeps open (default 32)", 1, 1000);
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
        var outDir = new Option<string>("--out")
        {
            Description = "Run folder; results go to <out>/io-webserver (default: Results/<host>-<timestamp>)",
        };
        outDir.Validators.Add(r =>
        {
            string? v = r.GetValueOrDefault<string>();
            if (string.IsNullOrWhiteSpace(v)) r.AddError("--out: the run folder must not be empty");
            else if (File.Exists(v)) r.AddError($"--out: '{v}' is a file; give a folder (it is created if missing)");
        });
        var quick = new Option<bool>("--quick") { Description = $"Smoke-test size ({Describe("quick")})" };
        var full = new Option<bool>("--full") { Description = $"Publication size ({Describe("full")})" };

        var root = new RootCommand(
            "Paper Section 5.4 on loopback: UDP echo and a web server (static page; SQLite-backed dynamic pages) on the multikernel's " +
            $"driver/stack/server cores against a host socket loop, Kestrel and lighttpd on the same cores. Default size: {Describe("default")}.");
        foreach (var o in new Option[] { cores, duration, repetitions, payload, flows, window, connections, only, outDir, quick, full }) root.Options.Add(o);
        root.Validators.Add(r =>
        {
            if (r.GetValue(quick) && r.GetValue(full))
                r.AddError($"--quick and --full cannot be combined: choose one profile (quick: {Describe("quick")}; full: {Describe("full")}; neither: {Describe("default")})");
        });

        int exit = 0;
        root.SetAction(pr =>
        {
            string profile = pr.GetValue(quick) ? "quick" : pr.GetValue(full) ? "full" : "default";
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
                OutDir = pr.GetValue(outDir) ?? Path.Combine("Results", $"{Environment.MachineName}-{DateTime.Now:yyyyMMdd-HHmmss}"),
                Profile = profile,
            };
            exit = IoRun.Execute(settings, stdout, stderr, cancel);
            return exit;
        });

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var e in parsed.Errors) stderr.WriteLine($"io-webserver: {e.Message}");
            stderr.WriteLine("io-webserver: run with --help for the options and their allowed values");
            return BadInput;
        }
        return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
    }

    static string Describe(string profile) =>
        string.Create(CultureInfo.InvariantCulture, $"{Profiles[profile].Repetitions} timed runs of {Profiles[profile].Duration} s per series");

    /// <summary>An optional whole-number option with a range; a bad value names the option, the value and the range.</summary>
    static Option<int?> IntOption(string name, string description, int min, int max) => new(name)
    {
        Description = $"{description}; {min} to {max}",
        CustomParser = r =>
        {
            string text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
            {
                r.AddError($"{name}: '{text}' is not a whole number; allowed: {min} to {max}");
                return null;
            }
            if (v < min || v > max)
            {
                r.AddError($"{name}: {v} is out of range; allowed: {min} to {max}");
                return null;
            }
            return v;
        },
    };
}
