using Benchmarks.Runs;
using Experiments.Schema;

namespace Benchmarks.Tests;

/// <summary>The history holds complete runs of the unmodified send path only, in a plain run as in an A/B run.</summary>
public class SuiteHistoryRuleTests
{
    static RunMeta Meta(string status, params string[] incomplete)
    {
        var meta = new RunMeta { Status = status };
        meta.Incomplete.AddRange(incomplete);
        return meta;
    }

    [Fact]
    public void A_complete_run_without_a_planted_slowdown_is_recorded() =>
        Assert.Null(SuiteRun.HistorySkipReason(0, Meta("complete")));

    [Fact]
    public void A_run_with_a_planted_slowdown_is_not_recorded()
    {
        string? reason = SuiteRun.HistorySkipReason(20, Meta("complete"));
        Assert.NotNull(reason);
        Assert.Contains("planted", reason);
    }

    [Fact]
    public void An_incomplete_run_is_not_recorded()
    {
        string? reason = SuiteRun.HistorySkipReason(0, Meta("incomplete", "a workload ran on a thread other than the pinned one: 0->1"));
        Assert.NotNull(reason);
        Assert.Contains("pinned", reason);
    }
}
