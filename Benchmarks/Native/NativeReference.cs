using System.Diagnostics;
using System.Globalization;
using Benchmarks.Suite;

namespace Benchmarks.Native;

/// <summary>Builds (with <c>native/build.sh</c>) and runs the native C reference, and parses its "key value" output.</summary>
public static class NativeReference
{
    /// <summary>Default location of the binary: Benchmarks/native/urpc_pingpong under the repository root.</summary>
    public static string DefaultPath(string repoRoot) => Path.Combine(repoRoot, "Benchmarks", "native", "urpc_pingpong");

    /// <summary>
    /// The loop alignments of <c>urpc-vs-native --layouts</c>: the reference is also built with gcc's -falign-loops=32
    /// and =64, so that the comparison shows how far the C round trip moves with where its poll loops fall (on the Zen 5
    /// VM of 2026-12-01 the echo loop 64-byte aligned cost 20-25% per round trip, same source, same machine state).
    /// </summary>
    public static readonly int[] LayoutAlignments = [32, 64];

    /// <summary>The build of <paramref name="binary"/> with -falign-loops=<paramref name="alignLoops"/>, beside it: urpc_pingpong-align64.</summary>
    public static string AlignedBeside(string binary, int alignLoops) => Path.GetFullPath(binary) + $"-align{alignLoops}";

    /// <summary>The shared library of the native loops (<c>urpc_loops.c</c>) beside <paramref name="binary"/>, for the mixed pairings.</summary>
    public static string LoopsLibraryBeside(string binary) => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(binary))!, "liburpc_loops.so");

    /// <summary>
    /// Builds <paramref name="binary"/> from <paramref name="program"/>.c beside it (urpc_pingpong, urpc_loops) when it is
    /// missing or older than its source, the ring header or build.sh (whose flags are part of what the binary is);
    /// throws <see cref="InvalidOperationException"/> with the build output on failure.
    /// </summary>
    public static void EnsureBuilt(string binary, TextWriter log, string program = "urpc_pingpong", int? alignLoops = null)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(binary))!;
        string source = Path.Combine(dir, program + ".c"), header = Path.Combine(dir, "urpc_ring.h"), script = Path.Combine(dir, "build.sh");
        DateTime newestInput = new[] { source, header, script }.Where(File.Exists).Select(File.GetLastWriteTimeUtc).DefaultIfEmpty(DateTime.MinValue).Max();
        if (File.Exists(binary) && File.GetLastWriteTimeUtc(binary) >= newestInput) return;
        if (!File.Exists(script))
            throw new InvalidOperationException($"{binary} does not exist and there is no {script} to build it; pass --native PATH to a built urpc_pingpong (with liburpc_loops.so beside it for --mixed)");
        log.WriteLine($"building the native reference: {(alignLoops is { } a ? $"ALIGN_LOOPS={a} " : "")}{script} {program} {binary}");
        var (code, output) = Exec("bash", alignLoops is { } n ? [("ALIGN_LOOPS", n.ToString(CultureInfo.InvariantCulture))] : [], script, program, binary);
        if (code != 0) throw new InvalidOperationException($"{script} failed (exit {code}):\n{output}");
    }

    /// <summary>Runs the reference at <paramref name="binary"/>, a path (a bare name is the file in the working directory,
    /// not a program on PATH: the child starts under setpriv, whose exec would search PATH for it).</summary>
    public static PingPongResult Run(string binary, BenchmarkCores cores, int samples)
    {
        var (code, output) = Exec(Path.GetFullPath(binary), [], "-a", cores.Local.ToString(CultureInfo.InvariantCulture), "-b", cores.Remote.ToString(CultureInfo.InvariantCulture),
            "-n", samples.ToString(CultureInfo.InvariantCulture), "-w", Math.Max(1000, samples / 10).ToString(CultureInfo.InvariantCulture));
        if (code != 0) throw new InvalidOperationException($"{binary} failed (exit {code}):\n{output}");
        return Parse(output, binary);
    }

    /// <summary>
    /// Parses the reference's output; throws <see cref="FormatException"/> naming a missing or bad key. The build label
    /// (<see cref="PingPongResult.Build"/>) is what the binary says it was built with ("gcc 12.2.0 -O3 -march=native"),
    /// "unknown build" for a binary that does not say; a build with -falign-loops says so ("... -falign-loops=64").
    /// </summary>
    public static PingPongResult Parse(string output, string source)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        string? march = null, compiler = null, alignLoops = null;
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int sp = line.IndexOf(' ');
            if (sp <= 0) continue;
            string key = line[..sp], rest = line[(sp + 1)..];
            if (key == "march") march = rest;
            else if (key == "compiler") compiler = rest;
            else if (key == "align_loops") alignLoops = rest;
            else if (double.TryParse(rest, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)) values[key] = v;
        }
        double Get(string key) => values.TryGetValue(key, out double v) ? v
            : throw new FormatException($"{source}: output has no '{key} <number>' line:\n{output}");
        return new PingPongResult(Get("rtt_median_cycles"), Get("rtt_p10_cycles"), Get("rtt_p90_cycles"), Get("rtt_batch_median_cycles"),
            Get("oneway_median_cycles"), Get("throughput_msgs_per_kcycle"), double.NaN,
            march == null ? "unknown build" : $"{compiler ?? "gcc"} -O3 -march={march}{(alignLoops is null or "default" ? "" : $" -falign-loops={alignLoops}")}");
    }

    static (int Code, string Output) Exec(string file, (string Name, string Value)[] environment, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (name, value) in environment) psi.Environment[name] = value;
        using var p = new Process { StartInfo = psi };
        Experiments.Common.ChildLaunch.Start(p); // dies with this program, however that ends
        var err = p.StandardError.ReadToEndAsync();
        string o = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, o + err.Result);
    }
}
