using Compute.Runtimes;
using Splash.Radiosity;
using Splash.Team;

namespace Compute.Tests;

/// <summary>
/// RADIOSITY: the room scene's data, the paper input against the original at one worker, the form factor of two
/// parallel squares against the analytic value, the band of results with more workers on every runtime, and
/// allocation-free iterations once the arenas are sized.
/// </summary>
public class RadiosityTests
{
    [Fact]
    public void Room_scene_has_the_originals_polygons_and_lights()
    {
        var scene = RoomScene.Polygons;
        Assert.Equal(216, scene.Count);
        Assert.Equal(134, scene.Count(p => p.IsParallelogram));
        var lights = scene.Where(p => p.Emittance.R > 0).Select(p => p.Emittance.R).OrderBy(e => e).ToArray();
        Assert.Equal([60f, 60f, 60f, 120f, 120f, 120f, 300f, 300f], lights);
        Assert.All(scene.Where(p => p.Emittance.R > 0), p => Assert.True(p.Emittance.R == p.Emittance.G && p.Emittance.G == p.Emittance.B));
    }

    [Fact]
    public void Base_band_is_what_its_documented_observations_give()
    {
        // Observed with the original at 2-16 threads (RadiosityReference.Base): elements 26280-26292 (26284 at 2 threads),
        // interactions 13,721,565-15,237,323, iterations 10-11, converged energy 33.957e6-34.704e6. The band widens them
        // by four subdivisions (16 elements), 2% of interactions and 0.3% of energy.
        var band = RadiosityReference.Base.ParallelBand;
        Assert.Equal(26280 - 16, band.MinElements);
        Assert.Equal(26292 + 16, band.MaxElements);
        Assert.Equal((long)Math.Ceiling(13_721_565 * 0.98), band.MinInteractions);
        Assert.Equal((long)Math.Floor(15_237_323 * 1.02), band.MaxInteractions);
        Assert.Equal((10, 11), (band.MinIterations, band.MaxIterations));
        Assert.Equal(33.957e6 * 0.997, band.MinEnergy, 0.001e6);
        Assert.Equal(34.704e6 * 1.003, band.MaxEnergy, 0.001e6);
    }

    [Fact]
    public void One_worker_reproduces_the_originals_statistics_and_energy_trace_on_the_paper_input()
    {
        var program = new HierarchicalRadiosity(RadiosityInput.Paper, new SerialTeam());
        var run = program.Run();
        var checks = RadiosityVerifier.Verify(RadiosityInput.Paper, run);
        Assert.True(checks.Passed, checks.Summary());
        Assert.Equal(RadiosityReference.Paper.Statistics, run.Statistics);
        Assert.Equal(3, run.Iterations);
        Assert.Equal(RadiosityReference.Paper.EnergyTrace, run.Trace.Select(t => t.TotalEnergy));
        // A second run on the same program starts afresh.
        Assert.Equal(run.Statistics, program.Run().Statistics);
    }

    [Fact]
    public void A_second_run_on_one_worker_needs_no_new_memory_for_its_iterations()
    {
        Assert.SkipWhen(BuildFlavour.IsDebug, BuildFlavour.AsyncAllocatesInDebug);
        var program = new HierarchicalRadiosity(RadiosityInput.Paper, new SerialTeam());
        var run = program.Run();
        var again = program.Run();
        Assert.Equal(run.Statistics, again.Statistics);
        Assert.Equal(0, again.RefinementBytes);
    }

    /// <summary>
    /// Two parallel squares of side s facing each other at distance h, with nothing refined: F(A->B) from the root
    /// interactions (area-weighted over A's two triangles) against the analytic form factor. RADIOSITY estimates it
    /// with point-to-disc form factors at sub-centres, which overestimates by about 2% at h = s and converges with
    /// distance; every ray reaches (visibility 1) and the symmetric scene gives F(A->B) = F(B->A). The squares are unit
    /// squares scaled by 100 (the form factor depends only on side / distance), as RADIOSITY's plane tolerance is
    /// 0.05 model units.
    /// </summary>
    [Theory]
    [InlineData(100.0, 0.025)]
    [InlineData(200.0, 0.015)]
    [InlineData(1000.0, 0.001)]
    public void Parallel_squares_form_factor_matches_the_analytic_value(double distance, double tolerance)
    {
        const float side = 100f;
        float h = (float)distance;
        var a = new ScenePolygon(true, new Rgb(0.5f, 0.5f, 0.5f), new Rgb(0, 0, 0), new Vertex(0, 0, 0), new Vertex(side, 0, 0), new Vertex(0, side, 0));
        var b = new ScenePolygon(true, new Rgb(0.5f, 0.5f, 0.5f), new Rgb(1, 1, 1), new Vertex(0, 0, h), new Vertex(0, side, h), new Vertex(side, 0, h));
        var input = new RadiosityInput { Scene = [a, b], BfEpsilon = 1e30f, AreaEpsilon = 1e30f, EnergyEpsilon = 1f, Name = "squares" };
        var program = new HierarchicalRadiosity(input, new SerialTeam());
        var run = program.Run();
        Assert.Equal(4, run.Statistics.Patches);
        Assert.Equal(4, run.Statistics.Elements);
        var links = program.RootInteractions().ToList();
        Assert.Equal(8, links.Count);
        Assert.All(links, l => Assert.Equal(1.0f, l.Visibility));

        double FormFactor(IEnumerable<int> receivers) => links.Where(l => receivers.Contains(l.Patch)).GroupBy(l => l.Patch)
            .Sum(g => g.First().Area * g.Sum(l => (double)l.FormFactor)) / links.Where(l => receivers.Contains(l.Patch)).GroupBy(l => l.Patch).Sum(g => (double)g.First().Area);
        double fab = FormFactor([0, 1]), fba = FormFactor([2, 3]);
        double x = side / distance;
        double analytic = 2 / (Math.PI * x * x) * (Math.Log(Math.Sqrt((1 + x * x) * (1 + x * x) / (1 + 2 * x * x)))
            + 2 * x * Math.Sqrt(1 + x * x) * Math.Atan(x / Math.Sqrt(1 + x * x)) - 2 * x * Math.Atan(x));
        Assert.True(Math.Abs(fab - analytic) <= tolerance * analytic, $"F(A->B) = {fab} vs analytic {analytic} at h = {distance}");
        Assert.Equal(fab, fba, 12);
    }

    /// <summary>
    /// Inputs whose run could never end are refused when the program is made: a scene without light (its total energy
    /// stays 0, and the convergence test compares 0 with 0 + 1e-4 for ever), an energy epsilon below 0 or not a number
    /// (no difference is ever at most it), and fewer than one visibility computation per task (a division by zero in a
    /// worker).
    /// </summary>
    [Fact]
    public void Inputs_whose_run_could_never_end_are_refused_with_a_message()
    {
        var dark = new ScenePolygon(true, new Rgb(0.5f, 0.5f, 0.5f), new Rgb(0, 0, 0), new Vertex(0, 0, 0), new Vertex(100, 0, 0), new Vertex(0, 100, 0));
        var facing = dark with { P1 = new Vertex(0, 0, 100), P2 = new Vertex(0, 100, 100), P3 = new Vertex(100, 0, 100) };
        (string What, RadiosityInput Input)[] bad =
        [
            ("a scene without light", new RadiosityInput { Scene = [dark, facing], Name = "dark" }),
            ("an empty scene", new RadiosityInput { Scene = [], Name = "empty" }),
            ("-en -1", RadiosityInput.Paper with { EnergyEpsilon = -1 }),
            ("-en NaN", RadiosityInput.Paper with { EnergyEpsilon = float.NaN }),
            ("-pv 0", RadiosityInput.Paper with { VisibilityPerTask = 0 }),
        ];
        foreach (var (what, input) in bad)
        {
            var e = Record.Exception(() => new HierarchicalRadiosity(input, new SerialTeam()));
            Assert.True(e is ArgumentException, $"{what}: {e?.ToString() ?? "accepted"}");
        }
    }

    /// <summary>
    /// A scene of more patches than RADIOSITY holds (1025 coplanar lights, so nothing refines): the worker that builds
    /// the model fails while the others wait in the polling barrier for tasks, and the team ends with its error.
    /// </summary>
    [Theory]
    [InlineData("host", 2)]
    [InlineData("pinned", 2)]
    [InlineData("host-spin", 2)]
    [InlineData("mk", 2)]
    public void A_worker_that_fails_while_the_others_poll_for_tasks_ends_the_team_with_its_error(string runtime, int workers) =>
        TeamHarness.With(runtime, workers, rt =>
        {
            var scene = Enumerable.Range(0, 1025).Select(i => new ScenePolygon(false, new Rgb(0.5f, 0.5f, 0.5f), new Rgb(1, 1, 1),
                new Vertex(10f * i, 0, 0), new Vertex(10f * i + 5, 0, 0), new Vertex(10f * i, 5, 0))).ToArray();
            var program = new HierarchicalRadiosity(new RadiosityInput { Scene = scene, Name = "too-many-patches" }, rt);
            var e = Assert.Throws<InvalidOperationException>(() => program.Run());
            Assert.Contains("ran out of patches", e.Message);
        }, seconds: 20);

    [Theory]
    [MemberData(nameof(TestRuntimes.All), MemberType = typeof(TestRuntimes))]
    public void Every_runtime_gives_the_originals_results_or_its_band(string runtime, int workers) => TeamHarness.With(runtime, workers, rt =>
    {
        var program = new HierarchicalRadiosity(RadiosityInput.Paper, rt);
        for (int r = 0; r < 2; r++)
        {
            var run = program.Run();
            var checks = RadiosityVerifier.Verify(RadiosityInput.Paper, run);
            Assert.True(checks.Passed, $"{runtime} x{workers} run {r}: {checks.Summary()}");
            if (workers == 1) Assert.Equal(RadiosityReference.Paper.Statistics, run.Statistics);
        }
    });

    /// <summary>
    /// Host threads never suspend, so warm iterations allocate nothing; on the multikernel one worker has nothing to
    /// contend with and never parks.
    /// </summary>
    [Theory]
    [InlineData("host", 2)]
    [InlineData("pinned", 2)]
    [InlineData("host-spin", 2)]
    [InlineData("mk", 1)]
    public void Warm_iterations_allocate_nothing_where_no_worker_parks(string runtime, int workers)
    {
        Assert.SkipWhen(BuildFlavour.IsDebug, BuildFlavour.AsyncAllocatesInDebug);
        TeamHarness.With(runtime, workers, rt =>
        {
            var program = new HierarchicalRadiosity(RadiosityInput.Paper, rt);
            program.Run();
            program.Run();
            Assert.Equal(0, program.Run().RefinementBytes);
        });
    }

    /// <summary>
    /// On the multikernel with two workers the user threads park on contended locks and their suspended UTask calls
    /// move into heap frames, which the threads package reuses: once the first runs have made the frames a run needs,
    /// later runs allocate nothing in their iterations unless they wait in more calls at once than any run before.
    /// Without reuse every run allocated a few KB, so at least one of the later runs must allocate nothing.
    /// </summary>
    [Fact]
    public void Iterations_on_parking_user_threads_reuse_their_frames()
    {
        Assert.SkipWhen(BuildFlavour.IsDebug, BuildFlavour.AsyncAllocatesInDebug);
        TeamHarness.With("mk", 2, rt =>
        {
            var program = new HierarchicalRadiosity(RadiosityInput.Paper, rt);
            for (int i = 0; i < 3; i++) program.Run();
            var before = ((IThreadActivitySource)rt).ReadActivity();
            var later = Enumerable.Range(0, 6).Select(_ => program.Run().RefinementBytes).ToArray();
            Assert.Contains(0L, later);
            Assert.True((((IThreadActivitySource)rt).ReadActivity() - before).Switches > 0, "the workers parked or yielded, so there was something to reuse");
        });
    }
}
