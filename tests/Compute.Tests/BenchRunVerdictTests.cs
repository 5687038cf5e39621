using Compute.Runtimes;
using Compute.Sweep;
using Npb;
using Npb.Runtime;
using Splash.Barnes;
using Splash.Radiosity;
using Splash.Team;

namespace Compute.Tests;

/// <summary>
/// A sweep's benchmark turns a run that fails its checks into a failed run (no timing), never a pass: for NPB the
/// benchmark's verification, for BARNES and RADIOSITY the checks of the timed run even where its warm-up run passed.
/// </summary>
public class BenchRunVerdictTests
{
    /// <summary>
    /// A compute runtime on the caller's thread whose loops run only worker 0's block (with two workers half of every
    /// loop is skipped) and whose team runs do what a one-worker team does for the first <c>goodTeamRuns</c> runs and
    /// nothing after them (the program's workers never run).
    /// </summary>
    internal sealed class BrokenComputeRuntime(int workers, int goodTeamRuns) : ForkJoinRuntime(workers), IComputeRuntime
    {
        readonly SerialTeam _team = new();
        int _teamRuns;
        public override string Name => "broken";
        protected override void RunOnAllWorkers(WorkerTask task) => task.Run(0);
        public TimeSpan RunTeam(TeamProgram program) => _teamRuns++ < goodTeamRuns ? _team.RunTeam(program) : TimeSpan.FromMilliseconds(1);
        public TeamLock NewLock() => _team.NewLock();
        public TeamBarrier NewBarrier() => _team.NewBarrier();
        public TeamWait Pause() => _team.Pause();
        public override void Dispose() { }
    }

    static void AssertFailed(BenchRun run, string detail)
    {
        Assert.False(run.Verified, run.Detail);
        Assert.True(double.IsNaN(run.Seconds), $"a failed run has no timing, not {run.Seconds} s");
        Assert.Null(run.Mops);
        Assert.StartsWith(detail, run.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cg")]
    [InlineData("ft")]
    [InlineData("is")]
    public void A_npb_run_that_fails_verification_is_a_failed_run(string bench)
    {
        using var rt = new BrokenComputeRuntime(2, goodTeamRuns: 0);
        AssertFailed(new NpbBench(bench, ProblemClass.S).RunOnce(rt), "verification failed: ");
    }

    /// <summary>A passing NPB run keeps the benchmark's own seconds and Mop/s (NPB's operation count over those seconds).</summary>
    [Fact]
    public void A_npb_run_that_verifies_keeps_its_seconds_and_mops()
    {
        using var rt = TestRuntimes.CreateCompute("pinned", 1);
        var run = new NpbBench("is", ProblemClass.S).RunOnce(rt);
        Assert.True(run.Verified, run.Detail);
        Assert.True(run.Seconds > 0, $"{run.Seconds} s");
        Assert.NotNull(run.Mops);
        Assert.Equal(Npb.Is.IsParameters.Of(ProblemClass.S).Operations / run.Seconds / 1e6, run.Mops.Value, 9);
    }

    static ComputeBench Splash(string bench) => bench == "barnes" ? new BarnesBench(BarnesInput.Quick) : new RadiosityBench(RadiosityInput.Paper);

    [Theory]
    [InlineData("barnes")]
    [InlineData("radiosity")]
    public void A_splash_timed_run_that_fails_its_checks_is_a_failed_run_though_its_warm_up_passed(string bench)
    {
        using var rt = new BrokenComputeRuntime(1, goodTeamRuns: 1);
        var run = Splash(bench).RunOnce(rt);
        AssertFailed(run, "");
        Assert.DoesNotContain("warm-up", run.Detail);
        Assert.Contains("FAILED", run.Detail);
    }

    [Theory]
    [InlineData("barnes")]
    [InlineData("radiosity")]
    public void A_splash_warm_up_run_that_fails_its_checks_fails_the_repetition(string bench)
    {
        using var rt = new BrokenComputeRuntime(1, goodTeamRuns: 0);
        AssertFailed(Splash(bench).RunOnce(rt), "warm-up run: ");
    }
}
