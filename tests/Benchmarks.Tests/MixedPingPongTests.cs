using Benchmarks.Native;
using Benchmarks.Runs;
using Benchmarks.Suite;
using Multikernel.Hardware;

namespace Benchmarks.Tests;

/// <summary>
/// urpc-vs-native --mixed: the C loops (liburpc_loops.so) and the C# loops take turns on the same C#-allocated rings,
/// in every pairing, and every echo comes back right (the C pinger checks each; a wrong one throws). Timings are not
/// checked.
/// </summary>
public class MixedPingPongTests
{
    [Fact]
    public void EveryPairingOfCAndCSharpRunsOnTheSameRings()
    {
        var cpus = CoreAffinity.AllowedCpus();
        Assert.SkipWhen(cpus.Count < 2, "needs two cores; this process may use one");
        Assert.SkipUnless((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, "gcc"))),
            "needs gcc to build Benchmarks/native/urpc_loops.c");
        string library = NativeReference.LoopsLibraryBeside(NativeReference.DefaultPath(RepoPaths.Root()));
        NativeReference.EnsureBuilt(library, TextWriter.Null, "urpc_loops");
        var r = MixedPingPong.Run(library, new BenchmarkCores(cpus[0], cpus[1]), batches: 50, rounds: 2);
        Assert.All(new[] { r.CsPingerCsEcho, r.CPingerCsEcho, r.CsPingerCEcho, r.CPingerCEcho }, c => Assert.True(c > 0, $"round trip {c}"));
    }
}
