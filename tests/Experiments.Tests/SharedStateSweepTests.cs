using Fig1.SharedState;

namespace Experiments.Tests;

/// <summary>
/// The points the fig1-shared-state sweep plans, run one at a time: on which cores each runs, how each calls the C
/// twin (<see cref="EchoTwin"/>, whose check line is its arguments), and which samples each C#/C ratio divides.
/// </summary>
public class SharedStateSweepTests
{
    static IReadOnlyList<ResultRow> RunPoint(int[] cores, int repetitions, NativeTwin? twin, string point)
    {
        var settings = new Fig1Settings(new SweepChoice(cores, TestCores.TempDir(), "default", 50, repetitions)) { Window = 8, Twin = twin };
        return Assert.Single(SharedStateSweep.Plan(settings, serverClockOverhead: 0), p => p.Name == point).Measure();
    }

    /// <summary>A point on k cores runs on the first k of the chosen cores, in the order given.</summary>
    [Fact]
    public void APointOnKCoresRunsOnTheFirstKChosen()
    {
        Assert.SkipUnless(TestCores.HasTwo, "needs two cores to tell the first from the last");
        int[] cores = [TestCores.UpToTwo[1], TestCores.UpToTwo[0]];
        var row = Assert.Single(RunPoint(cores, 3, null, "SHM1 cores=1"));
        Assert.Contains($"1 thread(s) pinned to cores {cores[0]};", row.Note);
    }

    /// <summary>
    /// With the C twin and 36 repetitions (3 blocks): SHM-atomic's twin runs atomic (-a), the MSG kernel path's twin
    /// runs the kernel path (-k) and the raw path's twin the raw loops, each block with its own repetitions, and every
    /// ratio divides the C# samples by the same kind of C samples: the twin's SHM and client samples are 10^6 cycles,
    /// its server samples 10^15, so a C# server ratio over the client samples would be 10^9 times larger.
    /// </summary>
    [Fact]
    public void EachPointCallsItsOwnTwinAndDividesLikeByLike()
    {
        Assert.SkipUnless(TestCores.HasTwo, "needs two cores: MSG has a server core and a client core");
        Assert.SkipWhen(OperatingSystem.IsWindows(), "a POSIX shell script stands in for the twin");
        var twin = NativeTwin.Locate(EchoTwin.Create(), TextWriter.Null, out string why);
        Assert.True(twin != null, why);
        var cores = TestCores.UpToTwo;

        var shm = RunPoint(cores, 36, twin, "SHM1-atomic cores=1");
        Assert.Contains($"CHECK FAILED: block 1 of 3: args: shm -c {cores[0]} -l 1 -i 50 -r 12 -w ", Assert.Single(shm, r => r.Series == "SHM1-atomic (C)").Note);
        Assert.Contains(" -a; ", Assert.Single(shm, r => r.Series == "SHM1-atomic (C)").Note);
        Assert.InRange(Assert.Single(shm, r => r.Metric == "cycles_ratio").Median, 0, 1);

        var msg = RunPoint(cores, 36, twin, "MSG1 cores=2");
        Assert.Contains($" -k -s {NativeTwin.KernelSliceCycles}; ", Assert.Single(msg, r => r.Series == "MSG1 (C)").Note);
        var rawC = Assert.Single(msg, r => r.Series == "MSG1-raw (C)").Note;
        Assert.Contains($"args: msg -c {string.Join(',', cores)} -l 1 -i 50 -r 12 -w ", rawC);
        Assert.DoesNotContain(" -k", rawC);
        foreach (var server in new[] { "Server1", "Server1-raw" })
        {
            double ratio = Assert.Single(msg, r => r.Series == server && r.Metric == "cycles_ratio").Median;
            Assert.True(ratio < 1e-7, $"{server}: C#/C ratio {ratio}, where C# server cycles over the twin's server samples (10^15) is below 10^-7");
        }
    }
}
