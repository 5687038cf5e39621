using Benchmarks.Comparison;
using Benchmarks.Runs;
using Benchmarks.Suite;
using Multikernel.Hardware;

namespace Benchmarks.Tests;

/// <summary>
/// <c>run --against</c> (what <c>ci-regression.sh</c> runs): a round that fails ends the A/B with the code that says
/// why, as the script's header and the README list them, so that a benchmark that did not complete is not reported
/// as bad input.
/// </summary>
public class AgainstRunTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), "against-run-tests", Guid.NewGuid().ToString("N"));

    public AgainstRunTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>
    /// The baseline's round runs this very suite (as a prebuilt baseline) with a filter no benchmark matches: its run
    /// is incomplete (exit 3), and the A/B ends there with 3, not with 2 ("bad input / build failure").
    /// </summary>
    [Fact]
    public void ARoundInWhichNoBenchmarkCompletedEndsTheComparisonWithTheIncompleteCode()
    {
        var allowed = CoreAffinity.AllowedCpus();
        Assert.SkipUnless(allowed.Count >= 2, "the suite runs on two cores");
        string dll = Path.Combine(AppContext.BaseDirectory, "Benchmarks.dll");
        var o = new AgainstRunOptions("prebuilt", Rounds: 1, SuiteProfile.Short, Filter: "*NoSuchBenchmark*", new BenchmarkCores(allowed[0], allowed[1]),
            Path.Combine(_dir, "ab"), Threshold: "25%", Alpha: 0.05, PlantCurrentDelayCycles: 0, HistoryPath: null, BaselineBuild: dll);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = AgainstRun.Execute(o, stdout, stderr);
        Assert.True(code == SuiteRun.ExitIncomplete, $"exit {code}, expected {SuiteRun.ExitIncomplete} (a benchmark did not complete); stderr: {stderr}");
        Assert.Contains("the baseline suite", stderr.ToString());
        Assert.Contains("exit 3", stderr.ToString());
        Assert.NotEqual(CompareRun.ExitRegression, code);
    }
}
