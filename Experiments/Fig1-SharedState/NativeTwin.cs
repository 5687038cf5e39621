using System.Globalization;
using Experiments.Common;
using Multikernel;
using Multikernel.Hardware;

namespace Fig1.SharedState;

/// <summary>
/// The C twin of this experiment (<c>Benchmarks/native/fig1_twin.c</c>): the same SHM workloads and the same MSG
/// protocol, ring layout, kernel path (waitset, handler upcalls) and raw loops written in C, run as a child process on the same cores, interleaved with the
/// C# measurement of each point in blocks of repetitions (<see cref="TwinBlocks"/>), so that the point's C#/C ratio
/// compares like with like on the same machine state.
/// <para>Where the binary comes from: <c>--native PATH</c>, else <c>Benchmarks/native/fig1_twin</c> of the repository
/// this program runs in, built with <c>Benchmarks/native/build.sh</c> (gcc) when missing or older than its sources or build.sh,
/// else (a bundle made by <c>run-all.sh --bundle</c>, which has no sources) the bundle's <c>bin/fig1_twin</c>. The
/// binary prints the <c>-march</c> it was compiled with; rows are labelled with that, not with a guess.</para>
/// </summary>
public sealed class NativeTwin
{
    public const string SourceName = "fig1_twin.c";

    /// <summary>Path of the binary.</summary>
    public string Binary { get; }
    /// <summary>The -march the binary was built with, as it reports it.</summary>
    public string March { get; }
    /// <summary>The compiler it was built with, as it reports it.</summary>
    public string Compiler { get; }

    NativeTwin(string binary, string march, string compiler)
    {
        Binary = binary;
        March = march;
        Compiler = compiler;
    }

    /// <summary>"gcc 12.2.0 -O3 -march=native" for notes and labels.</summary>
    public string Label => $"{Compiler} -O3 -march={March}";

    /// <summary>
    /// The twin at <paramref name="explicitPath"/> (which must exist), or the repository's, built when needed. Null with
    /// <paramref name="why"/> when there is none to run (no repository around this program, no gcc, a failed build,
    /// a binary that does not answer): the caller then runs without C rows and says so.
    /// </summary>
    public static NativeTwin? Locate(string? explicitPath, TextWriter log, out string why)
    {
        why = "";
        // A path as --native's check reads it (a bare name is a file in the working directory): the twin starts under
        // setpriv, whose exec would look a bare name up on PATH instead.
        string? binary = explicitPath != null ? Path.GetFullPath(explicitPath) : DefaultBinary(log, out why);
        if (binary == null) return null;
        if (!File.Exists(binary))
        {
            why = $"{binary} does not exist";
            return null;
        }
        // A tiny run tells what the binary is (and that it runs here at all: a -march this CPU lacks dies on SIGILL).
        // It pins itself to the core given, so that is the one this thread runs on, which this program may use (core 0
        // need not be: a container's cpuset, for one, may leave it out).
        string probeCore = CoreAffinity.CurrentCpu().ToString(CultureInfo.InvariantCulture);
        var (rc, text) = Exec(binary, "shm", "-c", probeCore, "-l", "1", "-i", "10", "-r", "1", "-w", "0");
        var probe = Parse(text);
        if (rc != 0 || !probe.TryGetValue("march", out var march))
        {
            why = $"{binary} did not run (exit {rc}): {text.Trim()}";
            return null;
        }
        why = "";
        return new NativeTwin(binary, march, probe.GetValueOrDefault("compiler", "unknown compiler"));
    }

    /// <summary>
    /// The repository's <c>Benchmarks/native/fig1_twin</c>, built when missing or older than its sources or build.sh; outside a
    /// repository, a bundle's <c>bin/fig1_twin</c>. Null with <paramref name="why"/> when neither is there or the build failed.
    /// </summary>
    static string? DefaultBinary(TextWriter log, out string why)
    {
        why = "";
        string? native = FindNativeFolder();
        if (native == null)
        {
            string bundled = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "bin", "fig1_twin"));
            if (File.Exists(bundled)) return bundled;
            why = $"no Benchmarks/native/{SourceName} above the working directory or the program's folder (pass --native PATH to a built fig1_twin)";
            return null;
        }
        string binary = Path.Combine(native, "fig1_twin");
        if (IsUpToDate(native, binary)) return binary;
        log.WriteLine($"fig1: building the C twin: {Path.Combine(native, "build.sh")} fig1_twin {binary}");
        var (code, output) = Exec("bash", Path.Combine(native, "build.sh"), "fig1_twin", binary);
        if (code == 0) return binary;
        why = $"building the C twin failed (exit {code}): {output.Trim()}";
        return null;
    }

    /// <summary>The files in <c>Benchmarks/native</c> the twin's binary is made from: its sources and the script whose flags compile them.</summary>
    internal static readonly string[] BuildInputs = [SourceName, "urpc_ring.h", "build.sh"];

    /// <summary>True when <paramref name="binary"/> exists and is at least as new as every one of <see cref="BuildInputs"/> in <paramref name="native"/>.</summary>
    internal static bool IsUpToDate(string native, string binary)
    {
        DateTime newestInput = BuildInputs.Select(f => Path.Combine(native, f)).Where(File.Exists)
            .Select(File.GetLastWriteTimeUtc).DefaultIfEmpty(DateTime.MinValue).Max();
        return File.Exists(binary) && File.GetLastWriteTimeUtc(binary) >= newestInput;
    }

    /// <summary>SHM in C: the samples are laid out as in <see cref="ShmWorkload"/>.</summary>
    public TwinRun Shm(IReadOnlyList<int> cores, int lines, SweepSize size, ShmUpdate update)
    {
        var args = Common("shm", cores, lines, size);
        if (update == ShmUpdate.Atomic) args.Add("-a");
        return Run(args, cores.Count, size.Repetitions, "cycles_per_update", "disturbed", null);
    }

    /// <summary>
    /// MSG in C (one request in flight per client) on the path of <paramref name="path"/>: the kernel path's twin
    /// (<c>fig1_twin msg -k</c>: the CPU driver's round over each core's dispatcher table, waitsets, handler upcalls
    /// through function pointers, with the blocked-visit slice of the C# boot, <see cref="KernelSliceCycles"/>) or the
    /// raw loops. Client round trips (client-major) and server cost samples.
    /// </summary>
    public TwinRun Msg(IReadOnlyList<int> cores, int lines, SweepSize size, MsgPath path)
    {
        var args = Common("msg", cores, lines, size);
        if (path == MsgPath.Kernel) args.AddRange(["-k", "-s", KernelSliceCycles.ToString(CultureInfo.InvariantCulture)]);
        return Run(args, cores.Count - 1, size.Repetitions, "client_cycles_per_update", "client_disturbed", "server_cycles_per_update");
    }

    /// <summary>The CPU driver's blocked-visit slice of the C# MSG boot (the default), in this machine's TSC cycles.</summary>
    public static ulong KernelSliceCycles => (ulong)CycleClock.FromNanoseconds(new MultikernelOptions().BlockedVisitSlice.TotalNanoseconds);

    static List<string> Common(string mode, IReadOnlyList<int> cores, int lines, SweepSize size) =>
    [
        mode, "-c", string.Join(',', cores), "-l", lines.ToString(CultureInfo.InvariantCulture),
        "-i", size.Iterations.ToString(CultureInfo.InvariantCulture), "-r", size.Repetitions.ToString(CultureInfo.InvariantCulture),
        "-w", size.Warmup.ToString(CultureInfo.InvariantCulture),
    ];

    /// <summary>The exit codes of a child that SIGINT or SIGTERM ended (128 + the signal's number).</summary>
    const int SigIntExit = 128 + 2, SigTermExit = 128 + 15;

    /// <summary>
    /// Runs the twin and reads its output: <paramref name="participants"/> x <paramref name="repetitions"/> samples and
    /// as many disturbed flags (0 or 1), and for MSG at least one server sample. Every sample must be a positive, finite
    /// number of cycles: output that cannot be the measurement (a missing line, a list of another length, NaN) is a
    /// <see cref="FormatException"/> naming the line, never samples.
    /// </summary>
    TwinRun Run(List<string> args, int participants, int repetitions, string samplesKey, string disturbedKey, string? serverKey)
    {
        var (code, text) = Exec(Binary, [.. args]);
        // Ctrl-C in a terminal (or a signal to the process group) ends the twin as well as asking this program to stop:
        // the point is interrupted, and the sweep records it as missing, not as failed, when it is stopping (it waits
        // briefly for its own handler, which may run after the twin's end is seen).
        if (code is SigIntExit or SigTermExit)
            throw new ChildStoppedBySignalException($"the C twin was stopped by {(code == SigIntExit ? "SIGINT" : "SIGTERM")} (exit {code}): {Binary} {string.Join(' ', args)}");
        if (code != 0) throw new InvalidOperationException($"the C twin failed (exit {code}): {Binary} {string.Join(' ', args)}\n{text.Trim()}");
        var values = Parse(text);
        string Where() => $"{Binary} {string.Join(' ', args)}\n{text.Trim()}";
        string[] Tokens(string key, int? count)
        {
            if (!values.TryGetValue(key, out var line)) throw new FormatException($"the C twin's output has no '{key}' line: {Where()}");
            var tokens = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (count is int n && tokens.Length != n)
                throw new FormatException($"the C twin's '{key}' line has {tokens.Length} values, expected {n} ({participants} participant(s) x {repetitions} repetition(s)): {Where()}");
            if (tokens.Length == 0) throw new FormatException($"the C twin's '{key}' line has no values: {Where()}");
            return tokens;
        }
        double[] Cycles(string key, int? count) => Tokens(key, count).Select(t =>
            double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) && v > 0 ? v
                : throw new FormatException($"the C twin's '{key}' line holds '{t}', not a positive, finite number of cycles: {Where()}")).ToArray();
        bool[] Flags(string key, int count) => Tokens(key, count).Select(t => t switch
        {
            "0" => false,
            "1" => true,
            _ => throw new FormatException($"the C twin's '{key}' line holds '{t}', not a flag (0 or 1): {Where()}"),
        }).ToArray();
        if (!values.TryGetValue("check", out var check) || check.Length == 0) throw new FormatException($"the C twin's output has no 'check' line with a verdict: {Where()}");
        int samples = participants * repetitions;
        return new TwinRun
        {
            CyclesPerOp = Cycles(samplesKey, samples),
            Disturbed = Flags(disturbedKey, samples),
            ServerCyclesPerOp = serverKey == null ? [] : Cycles(serverKey, null),
            Failure = check == "ok" ? null : check,
        };
    }

    /// <summary>"key rest of line" pairs of the twin's output (the first occurrence of a key wins).</summary>
    public static Dictionary<string, string> Parse(string output)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int sp = line.IndexOf(' ');
            if (sp > 0) d.TryAdd(line[..sp], line[(sp + 1)..]);
            else d.TryAdd(line, "");
        }
        return d;
    }

    /// <summary>The repository's Benchmarks/native folder holding the twin's source, searched upwards from the working directory and from this program's folder.</summary>
    static string? FindNativeFolder()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var d = new DirectoryInfo(start); d != null; d = d.Parent)
            {
                string native = Path.Combine(d.FullName, "Benchmarks", "native");
                if (File.Exists(Path.Combine(native, SourceName)) && File.Exists(Path.Combine(native, "build.sh"))) return native;
            }
        return null;
    }

    /// <summary>Runs a tool (the twin, its build) to completion: its exit code and its stdout followed by its stderr. The
    /// tool dies with this program, however that ends: a twin left running would go on spinning on the measured cores.</summary>
    static (int Code, string Output) Exec(string file, params string[] args)
    {
        var (code, o, err) = ToolProcess.Capture(file, null, tiedToThisProcess: true, args);
        return (code, o + err);
    }
}
