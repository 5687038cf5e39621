using Splash.Barnes;
using Splash.Team;

namespace Compute.Tests;

/// <summary>
/// BARNES: its generator and initial conditions against the original's, the standard input against the original's
/// diagnostics, a two-body orbit against the exact energy, cost zones as a partition, equality across runtimes, and
/// allocation-free force loops.
/// </summary>
public class BarnesTests
{
    static readonly BarnesInput Small = BarnesInput.Standard with { Bodies = 512, Name = "test-512" };

    [Fact]
    public void Generator_is_the_reference_lcg()
    {
        var r = new BarnesRandom(123);
        Assert.Equal(123 / 2147483648.0, r.Next());
        long state = (1103515245L * 123 + 12345) & 0x7FFFFFFF;
        Assert.Equal(state / 2147483648.0, r.Next());
        state = (1103515245L * state + 12345) & 0x7FFFFFFF;
        Assert.Equal(-1.0 + 2.0 * (state / 2147483648.0), r.Next(-1.0, 1.0));
    }

    [Fact]
    public void Standard_input_has_four_steps_and_the_reference_pool_sizes()
    {
        var input = BarnesInput.Standard;
        Assert.Equal(4, input.Steps);
        Assert.Equal(81920, input.MaxLeaves);
        Assert.Equal(163840, input.MaxCells);
        Assert.True(BarnesVerifier.HasReference(input));
        Assert.False(BarnesVerifier.HasReference(Small));
        Assert.Equal(10, BarnesInput.Full.Steps);
    }

    [Fact]
    public void Initial_bodies_are_the_originals_to_the_last_printed_digit()
    {
        var sim = new BarnesHut(BarnesInput.Standard, new SerialTeam());
        for (int i = 0; i < 5; i++)
        {
            var mine = sim.Initial.Samples[i];
            var theirs = BarnesReference.Initial.Samples[i];
            Assert.Equal(theirs.Index, mine.Index);
            foreach (var (a, b) in Components(mine.Position, theirs.Position).Concat(Components(mine.Velocity, theirs.Velocity)))
                Assert.True(Math.Abs(a - b) <= 1e-15 * Math.Abs(b), $"body {mine.Index}: {a:R} vs {b:R}");
        }
        foreach (var (a, b) in Components(sim.Initial.SumPosition, BarnesReference.Initial.SumPosition)
                     .Concat(Components(sim.Initial.SumVelocity, BarnesReference.Initial.SumVelocity)))
            Assert.True(Math.Abs(a - b) <= 1e-15 * Math.Abs(b), $"sum: {a:R} vs {b:R}");
    }

    [Fact]
    public void One_worker_reproduces_the_original_on_the_standard_input()
    {
        var run = new BarnesHut(BarnesInput.Standard, new SerialTeam()).Run();
        var checks = BarnesVerifier.Verify(BarnesInput.Standard, run, null);
        Assert.True(checks.Passed, checks.Summary());
        Assert.Contains(checks.Checks, c => c.Name == "reference counts" && c.Passed);
        for (int s = 0; s < 4; s++)
        {
            Assert.Equal(BarnesReference.Steps[s].BodyBody, run.Steps[s].BodyBody);
            Assert.Equal(BarnesReference.Steps[s].Cells, run.Steps[s].Cells);
            Assert.Equal(BarnesReference.Steps[s].RootSize, run.Steps[s].RootSize, 1e-15 * BarnesReference.Steps[s].RootSize);
        }
        Assert.Equal(BarnesReference.Final.Samples[0].Position.X, run.Final.Samples[0].Position.X, 1e-15 * Math.Abs(BarnesReference.Final.Samples[0].Position.X));
    }

    /// <summary>
    /// Two equal bodies on a circular orbit of the softened force about their centre of mass. The first step's
    /// energies are exact: each body sits alone in its leaf, so the walk takes the other's leaf as one pseudo-particle
    /// at that body (one interaction each), KE = m v^2 and PE = -m^2 / sqrt(d^2 + eps^2). Over 200 steps the leapfrog
    /// keeps the energy, the separation and a zero momentum.
    /// </summary>
    [Fact]
    public void Two_body_orbit_keeps_the_exact_energy_and_separation()
    {
        const double m = 0.5, a = 1.0, eps = 0.05, d = 2 * a;
        double force = m * m * d / Math.Pow(d * d + eps * eps, 1.5);
        double v = Math.Sqrt(force * a / m);
        var points = new[] { new BodyPoint { X = -a, Mass = m }, new BodyPoint { X = a, Mass = m } };
        var velocities = new[] { new Vector3d(0, -v, 0), new Vector3d(0, v, 0) };
        var input = BarnesInput.Standard with { Bodies = 2, TimeStep = 0.01, StopTime = 1.995, Name = "orbit" };
        Assert.Equal(200, input.Steps);
        var run = new BarnesHut(input, new SerialTeam(), points, velocities).Run();

        var first = run.Steps[0];
        double ke = m * v * v, pe = -m * m / Math.Sqrt(d * d + eps * eps);
        Assert.Equal(ke, first.Kinetic, 14);
        Assert.Equal(pe, first.Potential, 14);
        Assert.Equal(2, first.BodyBody + first.BodyCell);
        Assert.Equal(0, first.SelfInteractionMissed);
        Assert.Equal(2, first.Leaves);
        foreach (var s in run.Steps)
        {
            Assert.True(Math.Abs(s.TotalEnergy - (ke + pe)) <= 1e-4 * Math.Abs(ke + pe), $"step {s.Step}: E = {s.TotalEnergy} vs {ke + pe}");
            Assert.True(Math.Abs(s.CentreOfMassVelocity.Y) <= 1e-15, $"step {s.Step}: cm velocity {s.CentreOfMassVelocity}");
        }
        var p0 = run.Final.Samples.First(b => b.Index == 0).Position;
        var p1 = run.Final.Samples.First(b => b.Index == 1).Position;
        double separation = Math.Sqrt(Math.Pow(p1.X - p0.X, 2) + Math.Pow(p1.Y - p0.Y, 2) + Math.Pow(p1.Z - p0.Z, 2));
        Assert.True(Math.Abs(separation - d) <= 1e-3 * d, $"separation {separation} vs {d}");
    }

    /// <summary>The phase times are worker 0's wall time, phase by phase: each positive, together within the run's time, and a second run starts from zero.</summary>
    [Fact]
    public void Phases_split_the_run_and_start_from_zero_each_run()
    {
        var sim = new BarnesHut(Small, new Compute.Runtimes.ParallelForRuntime(2));
        foreach (var run in new[] { sim.Run(), sim.Run() })
        {
            double[] phases = [run.Phases.TreeBuild, run.Phases.CentreOfMass, run.Phases.Partition, run.Phases.Forces, run.Phases.Advance];
            Assert.All(phases, p => Assert.True(p > 0, run.Phases.Describe()));
            Assert.True(phases.Sum() <= run.Seconds, $"phases {phases.Sum()} s over the run's {run.Seconds} s: {run.Phases.Describe()}");
        }
    }

    /// <summary>Given initial conditions come as positions and velocities together; one without the other is refused, not replaced by generated bodies.</summary>
    [Fact]
    public void Initial_positions_without_velocities_or_velocities_without_positions_are_refused()
    {
        var input = BarnesInput.Standard with { Bodies = 2, Name = "pair" };
        var points = new[] { new BodyPoint { X = -1, Mass = 0.5 }, new BodyPoint { X = 1, Mass = 0.5 } };
        var velocities = new[] { new Vector3d(0, -0.1, 0), new Vector3d(0, 0.1, 0) };
        Assert.ThrowsAny<ArgumentException>(() => new BarnesHut(input, new SerialTeam(), points, null));
        Assert.ThrowsAny<ArgumentException>(() => new BarnesHut(input, new SerialTeam(), null, velocities));
    }

    /// <summary>
    /// Inputs that give no run are refused when the simulation is made, with a message, instead of a step loop that never
    /// ends (a time step of 0 or less, a stop time that is not a number) or a run of no steps whose verification then
    /// fails on its first step.
    /// </summary>
    [Fact]
    public void Inputs_that_give_no_run_are_refused_with_a_message()
    {
        BarnesInput[] bad =
        [
            Small with { TimeStep = 0 },
            Small with { TimeStep = -0.025 },
            Small with { TimeStep = double.NaN },
            Small with { StopTime = double.NaN },
            Small with { StopTime = double.PositiveInfinity },
            Small with { StopTime = 1e300, TimeStep = 1 },
            Small with { StopTime = -1 },
            Small with { Bodies = 1 },
        ];
        foreach (var input in bad)
        {
            Exception? error = null;
            var thread = new Thread(() =>
            {
                try { _ = new BarnesHut(input, new SerialTeam()); }
                catch (Exception e) { error = e; }
            }) { IsBackground = true };
            thread.Start();
            Assert.True(thread.Join(TimeSpan.FromSeconds(10)), $"bodies {input.Bodies}, dt {input.TimeStep}, tstop {input.StopTime}: not refused within 10 s");
            Assert.True(error is ArgumentException, $"bodies {input.Bodies}, dt {input.TimeStep}, tstop {input.StopTime}: {error?.ToString() ?? "accepted"}");
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void Cost_zones_give_every_body_to_exactly_one_worker(int workers)
    {
        var rt = new Compute.Runtimes.ParallelForRuntime(workers);
        var sim = new BarnesHut(Small, rt);
        sim.Run();
        var seen = new int[Small.Bodies];
        for (int w = 0; w < workers; w++)
            foreach (int b in sim.ZoneOf(w).ToArray()) seen[b]++;
        Assert.All(seen, n => Assert.Equal(1, n));
    }

    [Theory]
    [MemberData(nameof(TestRuntimes.All), MemberType = typeof(TestRuntimes))]
    public void Every_runtime_gives_the_one_worker_result(string runtime, int workers) => TeamHarness.With(runtime, workers, rt =>
    {
        var reference = new BarnesHut(Small, new SerialTeam()).Run();
        var sim = new BarnesHut(Small, rt);
        for (int r = 0; r < 2; r++)
        {
            var run = sim.Run();
            var checks = BarnesVerifier.Verify(Small, run, reference);
            Assert.True(checks.Passed, $"{runtime} x{workers} run {r}: {checks.Summary()}");
            if (workers == 1) Assert.Contains(checks.Checks, c => c.Name == "deterministic");
        }
    });

    [Theory]
    [InlineData("serial", 1)]
    [InlineData("pinned", 2)]
    [InlineData("host-spin", 2)]
    [InlineData("mk", 2)]
    public void Warm_force_loops_allocate_nothing(string runtime, int workers) => TeamHarness.With(runtime, workers, rt =>
    {
        var sim = new BarnesHut(Small, rt);
        sim.Run();
        Assert.Equal(0, sim.Run().ForceLoopBytes);
    });

    static IEnumerable<(double, double)> Components(Vector3d a, Vector3d b) => [(a.X, b.X), (a.Y, b.Y), (a.Z, b.Z)];
}
