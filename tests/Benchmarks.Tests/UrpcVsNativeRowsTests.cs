using Benchmarks.Native;
using Benchmarks.Suite;

namespace Benchmarks.Tests;

/// <summary>Each urpc-vs-native results row counts the values its statistic was taken over, across all rounds.</summary>
public class UrpcVsNativeRowsTests : IDisposable
{
    readonly SyntheticResults _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Samples_count_the_values_behind_each_row()
    {
        const int Samples = 6400, Rounds = 3;
        var o = new UrpcVsNativeOptions(new BenchmarkCores(0, 1), Samples, Rounds, null, Path.Combine(_files.Dir, "out"), false, Mixed: true);
        var r = new PingPongResult(234, 182, 312, 217.3, 117, 46.4, 208, "gcc -O3 -march=native");
        UrpcVsNative.Save(o, r, [], r, 1.0, 1.0, 2.6, Rounds, new MixedResult(220, 221, 222, 223));

        var rows = ResultsFile.Read(o.OutDir!);
        int Count(string series, string metric) => rows.Single(x => x.Series == series && x.Metric == metric).Samples;
        Assert.Equal(Samples * Rounds, Count("native C", "rtt_cycles"));
        Assert.Equal(Samples / 64 * Rounds, Count("native C", "rtt_batch64_cycles"));
        Assert.Equal(Samples / 64 * Rounds, Count("C# URPC ring", "rtt_batch64_cycles"));
        Assert.Equal(64 * Rounds, Count("C# URPC ring", "msgs_per_kcycle"));
        Assert.Equal(100 * Rounds, Count("mixed C pinger, C echo", "rtt_batch64_cycles")); // max(100, 6400 / 64 / 4) batches per round
    }
}
