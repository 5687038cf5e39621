using FsCheck.Xunit;

namespace Experiments.Tests;

/// <summary>The results schema library: its one median routine, and that it stands without the kernel.</summary>
public class SchemaTests
{
    /// <summary>Property: the median is the middle of the sorted sample (mean of the two middle values for an even
    /// size), whatever the order the values come in, for every entry point (Of, MedianOf, MedianOfSorted).</summary>
    [Property(MaxTest = 200)]
    public void EveryMedianEntryPointAgreesWithTheDefinition(int[] raw)
    {
        if (raw.Length == 0)
        {
            Assert.True(double.IsNaN(SampleSummary.MedianOf(Array.Empty<double>())));
            Assert.Throws<ArgumentException>(() => SampleSummary.Of(ReadOnlySpan<double>.Empty));
            return;
        }
        var values = raw.Select(v => (double)v).ToArray();
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        double expected = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        Assert.Equal(expected, SampleSummary.MedianOf(values));
        Assert.Equal(expected, SampleSummary.MedianOfSorted<double>(sorted));
        var s = SampleSummary.Of(values);
        Assert.Equal(expected, s.Median);
        if (n >= SampleSummary.MinCountForCi)
            Assert.True(s.CiLow <= s.Median && s.Median <= s.CiHigh, $"CI [{s.CiLow}, {s.CiHigh}] must hold the median {s.Median}");
        else
            Assert.True(double.IsNaN(s.CiLow) && double.IsNaN(s.CiHigh), $"{n} values have no 95% CI, not [{s.CiLow}, {s.CiHigh}]");
        Assert.Equal(n, s.Count);
        var unsigned = raw.Select(v => (ulong)(uint)v).Order().ToArray();
        double expectedUnsigned = n % 2 == 1 ? unsigned[n / 2] : (unsigned[n / 2 - 1] + (double)unsigned[n / 2]) / 2;
        Assert.Equal(expectedUnsigned, SampleSummary.MedianOfSorted<ulong>(unsigned));
    }

    [Fact]
    public void ASampleHoldingNaNIsRefusedNotSummarisedWithTheNaNSortedFirst()
    {
        // Array.Sort puts NaN first: [NaN, 10, 20, 30, 40, 50] had the median 25, a number none of the measurements gives
        // (the five measurements' median is 30), and a CI that silently became "no CI". A NaN is no measurement: refused.
        double[] sample = [10, 20, double.NaN, 30, 40, 50];
        var e = Assert.Throws<ArgumentException>(() => SampleSummary.Of(sample));
        Assert.Contains("value 3 of the 6", e.Message);
        Assert.Contains("NaN", e.Message);
        Assert.Throws<ArgumentException>(() => SampleSummary.MedianOf(sample));
        Assert.Equal(30, SampleSummary.Of(sample.Where(v => !double.IsNaN(v)).ToArray()).Median);
    }

    /// <summary>
    /// An infinite value (a rate over no time, a ratio over a zero median) is no measurement either: with one in six
    /// values the Harrell-Davis interval was NaN ("no CI" for a sample that has six values), and with it in the middle
    /// the median was infinite. Refused like NaN, naming its position.
    /// </summary>
    [Theory]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void ASampleHoldingAnInfiniteValueIsRefused(double infinite)
    {
        double[] sample = [10, 20, 30, 40, 50, infinite];
        var e = Assert.Throws<ArgumentException>(() => SampleSummary.Of(sample));
        Assert.Contains("value 6 of the 6", e.Message);
        Assert.Contains("Infinity", e.Message);
        Assert.Throws<ArgumentException>(() => SampleSummary.MedianOf(sample));
    }

    /// <summary>
    /// Fewer than six values have no 95% interval for the median: the widest one within the data, [min, max], misses it
    /// when all n values fall on one side, with probability 2 x 0.5^n (a binomial tail), so it covers it with 0.5 at
    /// n = 2 and 0.9375 at n = 5. Such a sample reports no CI (NaN), not a range that claims 95%.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void TooFewValuesForA95PercentIntervalHaveNoCi(int n)
    {
        Assert.True(1 - 2 * Math.Pow(0.5, n) < 0.95);
        var s = SampleSummary.Of(Enumerable.Range(1, n).Select(i => 100.0 + i * i).ToArray());
        Assert.True(double.IsNaN(s.CiLow) && double.IsNaN(s.CiHigh), $"{n} values: CI [{s.CiLow}, {s.CiHigh}] claims 95%");
        Assert.Equal(n, s.Count);
    }

    [Fact]
    public void SixValuesAreEnoughForA95PercentInterval()
    {
        Assert.True(1 - 2 * Math.Pow(0.5, 6) >= 0.95);
        var s = SampleSummary.Of([101, 104, 109, 116, 125, 136]);
        Assert.InRange(s.CiLow, 101, s.Median);
        Assert.InRange(s.CiHigh, s.Median, 136);
    }

    /// <summary>A row summarising a sample carries its median, its 95% CI (low bound below, high bound above) and its
    /// count as the summary gives them, and they survive results.csv.</summary>
    [Fact]
    public void ARowSummarisingASampleCarriesItsMedianIntervalAndCount()
    {
        var s = SampleSummary.Of([101, 104, 109, 116, 125, 136, 150]);
        Assert.True(s.CiLow < s.Median && s.Median < s.CiHigh, $"{s.Median} [{s.CiLow}, {s.CiHigh}]");
        var row = ResultRow.Summarising(s, "e", "S", 2, "p=1", "cycles_per_update", "cycles", 42.5, "pass", "n");
        Assert.Equal((s.Median, s.CiLow, s.CiHigh, 7, 42.5), (row.Median, row.CiLow, row.CiHigh, row.Samples, row.MedianNs));
        string dir = Path.Combine(TestCores.TempDir(), "schema-row");
        ResultsFile.Write(dir, [row]);
        var back = Assert.Single(ResultsFile.Read(dir));
        Assert.Equal((row.Experiment, row.Series, row.Cores, row.Param, row.Metric, row.Unit, row.Verified, row.Note),
            (back.Experiment, back.Series, back.Cores, back.Param, back.Metric, back.Unit, back.Verified, back.Note));
        Assert.Equal((row.Median, row.CiLow, row.CiHigh, row.Samples, row.MedianNs), (back.Median, back.CiLow, back.CiHigh, back.Samples, back.MedianNs));
    }

    /// <summary>
    /// Six or more values always have a 95% CI within their range, also where they differ by a few units in the last
    /// digits: Harrell-Davis's standard error is the square root of a difference of two large moments, which rounding
    /// can make negative (a NaN root), and a NaN from it would read as "no CI" for a sample that has one.
    /// </summary>
    [Theory]
    [InlineData(153223674.0, 1.0)]
    [InlineData(1e12, 1.0)]
    public void NearlyEqualValuesStillHaveAnInterval(double value, double step)
    {
        // Integer cycle counts one cycle apart: the second moment (about value^2) has no digits left for a variance of
        // a fraction of a cycle.
        double[] sample = [value, value, value, value, value, value, value, value, value, value, value + step, value, value, value, value + step, value, value + step];
        var s = SampleSummary.Of(sample);
        Assert.Equal(value, s.Median);
        Assert.True(s.CiLow <= s.Median && s.Median <= s.CiHigh, $"CI [{s.CiLow}, {s.CiHigh}] must hold the median {s.Median}");
        Assert.InRange(s.CiLow, value, value + step);
        Assert.InRange(s.CiHigh, value, value + step);
    }

    /// <summary>
    /// The interval is the Harrell-Davis one of the values as given (estimate plus and minus t(0.975, n - 1) times the
    /// Maritz-Jarrett standard error, computed here by Perfolizer straight on the sample), where that lies inside the
    /// observed range; clipped to [min, max] where it does not. The centring that keeps large values from rounding
    /// away the standard error must shift the interval back: the bounds are those of the sample, not of the centred one.
    /// </summary>
    [Fact]
    public void TheIntervalIsHarrellDavisOnTheSampleClippedToItsRange()
    {
        static (double Lower, double Upper) Hd(double[] x)
        {
            var ci = Perfolizer.Mathematics.QuantileEstimators.HarrellDavisQuantileEstimator.Instance
                .QuantileConfidenceIntervalEstimator(new Pragmastat.Sample(x), 0.5)
                .ConfidenceInterval(Perfolizer.Mathematics.Common.ConfidenceLevel.L95);
            return (ci.Lower, ci.Upper);
        }

        double[] twenty = Enumerable.Range(1, 20).Select(i => 1000.0 + i).ToArray();
        var inside = Hd(twenty);
        Assert.True(inside.Lower > twenty[0] && inside.Upper < twenty[^1], $"the reference [{inside.Lower}, {inside.Upper}] should lie inside the range");
        var s = SampleSummary.Of(twenty);
        Assert.Equal(inside.Lower, s.CiLow, 1e-6);
        Assert.Equal(inside.Upper, s.CiHigh, 1e-6);

        double[] six = [1, 2, 3, 4, 5, 6];
        var outside = Hd(six);
        Assert.True(outside.Lower < 1 && outside.Upper > 6, $"the reference [{outside.Lower}, {outside.Upper}] should reach past both ends");
        var clipped = SampleSummary.Of(six);
        Assert.Equal(1, clipped.CiLow);
        Assert.Equal(6, clipped.CiHigh);
    }

    [Fact]
    public void AnIntervalPrintsItsBoundsOrSaysThereIsNone()
    {
        Assert.Equal("[1.5, 2.25]", SampleSummary.IntervalText(1.5, 2.25, "0.##"));
        var few = SampleSummary.Of([3, 1, 2]);
        Assert.Equal("[no CI]", SampleSummary.IntervalText(few.CiLow, few.CiHigh, "0.0"));
    }

    [Fact]
    public void SchemaLibraryDoesNotReferenceTheKernel()
    {
        var refs = typeof(ResultRow).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.DoesNotContain("Multikernel", refs);
        Assert.DoesNotContain("Experiments.Common", refs);
    }

    [Fact]
    public void RegistryListsEveryFolderOnceWithBothFigureNumbersInItsTitle()
    {
        var all = ExperimentRegistry.All;
        Assert.Equal(["fig1-shared-state", "urpc-tables", "fig3-tlb", "compute", "io-webserver"], all.Select(e => e.Folder));
        Assert.Equal("Fig 1 (paper Fig 3): updating shared state: shared memory vs messages", ExperimentRegistry.Get("fig1-shared-state").Title);
        Assert.Equal("Paper Tables 1-3: LRPC and URPC latency and throughput", ExperimentRegistry.Get("urpc-tables").Title);
        Assert.Equal("Figs 4-8 (paper Fig 9): compute-bound workloads", ExperimentRegistry.Get("compute").Title);
        foreach (var e in all)
        {
            Assert.Contains($"paper {e.PaperFigure}", e.Title, StringComparison.OrdinalIgnoreCase);
            Assert.EndsWith($": {e.Subject}", e.Title);
            if (e.SeedFigure != null) Assert.Matches($"^Figs? {e.SeedFigure} ", e.Title);
            Assert.True(Directory.Exists(Path.Combine(RepoRoot(), e.Project)), $"{e.Folder}: program folder {e.Project} does not exist");
        }
    }

    [Fact]
    public void ProgramsWriteOnlyRegisteredFolders()
    {
        Assert.Equal([Fig1.SharedState.Fig1Settings.SharedStateId, Fig1.SharedState.Fig1Settings.UrpcTablesId],
            ExperimentRegistry.OfProgram(Fig1.SharedState.Fig1Settings.Program).Select(e => e.Folder));
        Assert.Equal("fig3", ExperimentRegistry.Get(Fig3.TlbShootdown.Fig3Settings.ExperimentId).Program);
        Assert.Equal("io", ExperimentRegistry.Get(IOWebserver.IoSettings.ExperimentId).Program);
        var e = Assert.Throws<KeyNotFoundException>(() => ExperimentRegistry.Get("fig2"));
        Assert.Contains("fig1-shared-state", e.Message);
    }

    [Theory]
    [InlineData("a\tb\tc", "line 2", "need 9")]
    [InlineData("p\tf\tproj\t1\tFig 3\tx\t1\t2\t3\textra", "line 2", "need 9")]
    [InlineData("p\tf\tproj\t-\tFig 3\tx\t1\t\t3", "line 2", "need 9 non-empty")]
    [InlineData("p\tf\tproj\t-\tX\tx\t1\t2\t3\np\tf\tproj\t-\tX\ty\t-\t-\t-", "line 3", "listed twice")]
    public void MalformedRegistryLinesAreRefusedNamingTheLine(string text, string line, string expected)
    {
        var e = Assert.Throws<FormatException>(() => ExperimentRegistry.Parse("# comment\n" + text));
        Assert.Contains(line, e.Message);
        Assert.Contains(expected, e.Message);
    }

    static string RepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d != null && !File.Exists(Path.Combine(d.FullName, "Repro.sln"))) d = d.Parent;
        return d?.FullName ?? throw new InvalidOperationException("no Repro.sln above " + AppContext.BaseDirectory);
    }
}
