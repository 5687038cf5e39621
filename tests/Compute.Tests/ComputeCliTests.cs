using System.CommandLine;
using Compute.Cli;
using Compute.Runtimes;
using Compute.Sweep;
using Experiments.Common;
using Npb;

namespace Compute.Tests;

/// <summary>The experiment's command line: bad values give a clear error and a non-zero exit; a small run writes verified rows.</summary>
public class ComputeCliTests
{
    static (int Exit, string Out, string Err) Invoke(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = ComputeCommand.Build().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData(new[] { "--class", "X" }, "--class", "S, W, A, B")]
    [InlineData(new[] { "--class", "AA" }, "--class", "S, W, A, B")]
    [InlineData(new[] { "--bench", "cg,lu" }, "'lu'", "cg, ft, is")]
    [InlineData(new[] { "--bench", "cg,,ft" }, "--bench", "empty element")]
    [InlineData(new[] { "--bench", "cg,CG" }, "--bench", "twice")]
    [InlineData(new[] { "--runtime", "openmp" }, "'openmp'", "pinned")]
    [InlineData(new[] { "--repetitions", "0" }, "--repetitions", "at least 1")]
    [InlineData(new[] { "--repetitions", "many" }, "--repetitions", "whole number")]
    [InlineData(new[] { "--cores", "4096" }, "--cores", "affinity mask")]
    [InlineData(new[] { "--cores", "3-1" }, "--cores", "lo-hi")]
    [InlineData(new[] { "--frobnicate" }, "--frobnicate", "")]
    public void Bad_values_are_rejected_with_a_clear_message(string[] args, string mentions, string allowed)
    {
        var (exit, _, err) = Invoke(args);
        Assert.NotEqual(0, exit);
        Assert.Contains(mentions, err);
        Assert.Contains(allowed, err);
    }

    [Fact]
    public void Out_naming_an_existing_file_is_rejected()
    {
        string file = Path.GetTempFileName();
        try
        {
            var (exit, _, err) = Invoke("--out", file, "--quick");
            Assert.NotEqual(0, exit);
            Assert.Contains("is a file", err);
        }
        finally { File.Delete(file); }
    }

    [Theory]
    [InlineData("host", new[] { RuntimeKind.Host })]
    [InlineData("pinned,host", new[] { RuntimeKind.Pinned, RuntimeKind.Host })]
    [InlineData("HOST, pinned", new[] { RuntimeKind.Host, RuntimeKind.Pinned })]
    public void Runtime_lists_parse_in_order(string text, RuntimeKind[] expected) =>
        Assert.Equal(expected, ComputeArguments.ParseRuntimes(text));

    [Fact]
    public void A_small_run_writes_verified_rows_and_a_complete_meta()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"compute-cli-{Guid.NewGuid():N}");
        try
        {
            var cores = TestRuntimes.Cores(Math.Min(2, CoreList.Allowed().Count)).Distinct().ToArray();
            var (exit, output, err) = Invoke("--bench", "is", "--class", "S", "--runtime", "pinned,host",
                "--repetitions", "2", "--cores", CoreList.Format(cores), "--out", dir);
            Assert.True(exit == 0, err);
            Assert.Contains("IS.S pinned cores=1", err); // progress line per point
            Assert.Contains("verified", output);

            string exp = Path.Combine(dir, "compute");
            var rows = ResultsFile.Read(exp);
            int points = 2 * CoreList.SweepCounts(cores.Length, quick: false).Length;
            Assert.Equal(points, rows.Count(r => r.Metric == "seconds"));
            Assert.Equal(points, rows.Count(r => r.Metric == "mops"));
            Assert.Equal(points, rows.Count(r => r.Metric == "speedup"));
            Assert.All(rows, r =>
            {
                Assert.Equal("compute", r.Experiment);
                Assert.Equal("pass", r.Verified);
                Assert.Equal("bench=is;class=S", r.Param);
                Assert.Contains(r.Series, new[] { "IS/pinned", "IS/host" });
                Assert.Equal(2, r.Samples);
                Assert.True(r.Median > 0 && r.CiLow <= r.Median && r.Median <= r.CiHigh, $"{r.Metric} {r.Median} [{r.CiLow}, {r.CiHigh}]");
            });
            Assert.All(rows.Where(r => r.Metric == "speedup" && r.Cores == 1), r => Assert.Equal(1.0, r.Median, 12));

            var meta = RunMeta.Load(exp);
            Assert.Equal("complete", meta.Status);
            Assert.Empty(meta.Incomplete);
            Assert.Equal(CoreList.Format(cores), meta.CoresUsed);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_point_that_failed_verification_is_recorded_as_fail_without_a_timing()
    {
        var p = new SweepPoint("cg", ProblemClass.S, RuntimeKind.Pinned, 2);
        var runs = new[]
        {
            new NpbResult("CG", ProblemClass.S, 2, 0.5, 100, true, "ok"),
            new NpbResult("CG", ProblemClass.S, 2, 0.4, 120, false, "zeta=1 ref=8.59 rel_err=8.8E-001"),
        };
        var rows = PointRows.From(p, runs, oneCoreSeconds: 1.0);
        Assert.Equal(["seconds", "mops"], rows.Select(r => r.Metric));
        Assert.All(rows, r =>
        {
            Assert.Equal("fail", r.Verified);
            Assert.True(double.IsNaN(r.Median) && double.IsNaN(r.CiLow) && double.IsNaN(r.CiHigh));
            Assert.Contains("verification failed in 1 of 2 runs", r.Note);
            Assert.Equal("CG/pinned", r.Series);
        });
    }

    [Fact]
    public void Speedup_is_one_core_time_over_this_time()
    {
        var p = new SweepPoint("ft", ProblemClass.W, RuntimeKind.Host, 2);
        var runs = new[] { 1.0, 1.2, 0.8 }.Select(t => new NpbResult("FT", ProblemClass.W, 2, t, 1 / t, true, "ok")).ToArray();
        var rows = PointRows.From(p, runs, oneCoreSeconds: 2.0);
        var speedup = Assert.Single(rows, r => r.Metric == "speedup");
        Assert.Equal(2.0, speedup.Median, 12);
        Assert.Equal("x", speedup.Unit);
        Assert.Equal("FT/host", speedup.Series);
        Assert.Equal("bench=ft;class=W", speedup.Param);
    }
}
