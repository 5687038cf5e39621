using Benchmarks.Native;
using Benchmarks.Runs;
using Benchmarks.Suite;
using Multikernel.Hardware;

namespace Benchmarks.Tests;

/// <summary>
/// The native C builds that urpc-vs-native runs beside the C# ring, built here with gcc and run on two cores. Every echo
/// must come back right (the programs check each; a wrong one throws). Timings are not checked.
/// </summary>
public class NativeReferenceRunTests
{
    /// <summary>Two allowed cores, after skipping the test where there are fewer or where gcc is missing.</summary>
    static BenchmarkCores TwoCoresWithGcc()
    {
        var cpus = CoreAffinity.AllowedCpus();
        Assert.SkipWhen(cpus.Count < 2, "needs two cores; this process may use one");
        Assert.SkipUnless((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, "gcc"))),
            "needs gcc to build the native references in Benchmarks/native");
        return new BenchmarkCores(cpus[0], cpus[1]);
    }

    /// <summary>--mixed: the C loops (liburpc_loops.so) and the C# loops take turns on the same C#-allocated rings, in every pairing.</summary>
    [Fact]
    public void EveryPairingOfCAndCSharpRunsOnTheSameRings()
    {
        var cores = TwoCoresWithGcc();
        string library = NativeReference.LoopsLibraryBeside(NativeReference.DefaultPath(RepoPaths.Root()));
        NativeReference.EnsureBuilt(library, TextWriter.Null, "urpc_loops");
        var r = MixedPingPong.Run(library, cores, batches: 50, rounds: 2);
        Assert.All(new[] { r.CsPingerCsEcho, r.CPingerCsEcho, r.CsPingerCEcho, r.CPingerCEcho }, c => Assert.True(c > 0, $"round trip {c}"));
    }

    /// <summary>--layouts: the reference built with -falign-loops=64 beside the default build runs and says it was built that way.</summary>
    [Fact]
    public void AnAlignedBuildOfTheReferenceRunsAndReportsItsAlignment()
    {
        var cores = TwoCoresWithGcc();
        string binary = NativeReference.AlignedBeside(NativeReference.DefaultPath(RepoPaths.Root()), 64);
        NativeReference.EnsureBuilt(binary, TextWriter.Null, "urpc_pingpong", 64);
        var r = NativeReference.Run(binary, cores, 2000);
        Assert.EndsWith("-falign-loops=64", r.Build);
        Assert.True(r.RttMedian > 0 && r.RttBatchMedian > 0, $"round trip {r.RttMedian}, batch {r.RttBatchMedian}");
    }

    /// <summary>
    /// The reference takes its numbers whole: text after the digits is refused (exit 2, naming the option) instead of
    /// being read as far as it goes (atoi's "1x" is core 1, atol's "2000x" 2000 samples), so that a mistyped option
    /// never runs another measurement than the one asked for.
    /// </summary>
    [Theory]
    [InlineData("-n", "2000x")]
    [InlineData("-w", "100w")]
    [InlineData("-s", "16.5")]
    [InlineData("-b", "1x")]
    [InlineData("-a", "0x")]
    public void TheReferenceRefusesANumberWithTextAfterIt(string option, string value)
    {
        var cores = TwoCoresWithGcc();
        string binary = NativeReference.DefaultPath(RepoPaths.Root());
        NativeReference.EnsureBuilt(binary, TextWriter.Null);
        (int Exit, string Err) Reference(params string[] args)
        {
            var psi = new System.Diagnostics.ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = System.Diagnostics.Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            Assert.True(p.WaitForExit(60_000), "the reference did not end within 60 s");
            return (p.ExitCode, err.Result);
        }
        var run = Reference("-a", cores.Local.ToString(System.Globalization.CultureInfo.InvariantCulture), "-b", cores.Remote.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-n", "2000", "-w", "100", option, value);
        Assert.True(run.Exit == 2, $"{option} {value}: exit {run.Exit}, expected 2 (bad arguments); stderr: {run.Err}");
        Assert.Contains($"{option} ", run.Err);
    }
}
