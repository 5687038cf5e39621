using Splash.Barnes;
using Splash.Radiosity;
using Splash.Verification;

namespace Compute.Tests;

/// <summary>
/// The SPLASH-2 verifiers reject a wrong run: each run here is the reference's own result (which passes) with one
/// value moved past its tolerance, and exactly the check that guards that value must fail. A verifier whose checks
/// always pass would survive every happy-path test in <see cref="BarnesTests"/> and <see cref="RadiosityTests"/>.
/// </summary>
public class SplashVerifierRejectionTests
{
    static readonly BarnesPhases NoPhases = new(0, 0, 0, 0, 0);

    /// <summary>A run that reports exactly the original program's diagnostics and bodies on the standard input.</summary>
    static BarnesRun ReferenceBarnesRun(int workers = 1) =>
        new(1.0, workers, BarnesReference.Steps.ToList(), BarnesReference.Initial, BarnesReference.Final, 0, NoPhases);

    static BarnesRun WithStep(BarnesRun run, int step, Func<StepDiagnostics, StepDiagnostics> change)
    {
        var steps = run.Steps.ToList();
        steps[step] = change(steps[step]);
        return run with { Steps = steps };
    }

    static void AssertOnlyFails(CheckList checks, string name)
    {
        Assert.False(checks.Passed, $"a wrong run passed: {checks.Summary()}");
        Assert.Equal([name], checks.Checks.Where(c => !c.Passed).Select(c => c.Name));
    }

    [Fact]
    public void The_originals_own_barnes_results_pass()
    {
        Assert.Equal(BarnesInput.Standard.Steps, BarnesReference.Steps.Count);
        var checks = BarnesVerifier.Verify(BarnesInput.Standard, ReferenceBarnesRun(), null);
        Assert.True(checks.Passed, checks.Summary());
        Assert.Contains(checks.Checks, c => c.Name == "reference counts");
        Assert.Contains(checks.Checks, c => c.Name == "energy conservation");
    }

    public static TheoryData<string, string> BarnesDefects() => new()
    {
        { "kinetic energy off by 1e-9", "reference energies and angular momentum" },
        { "one body-cell interaction more", "reference counts" },
        { "root cube larger by 1e-12", "reference bounding cubes" },
        { "final body moved by 1e-9", "reference final bodies" },
        { "final sum of |v|^2 off by 1e-9", "reference sums of |x|^2, |v|^2" },
        { "centre of mass moved by 1e-9", "reference sums of x and v, centre of mass" },
        { "a step missing", "steps" },
    };

    [Theory]
    [MemberData(nameof(BarnesDefects))]
    public void Barnes_verification_rejects_a_run_that_differs_from_the_original(string defect, string check)
    {
        var good = ReferenceBarnesRun();
        var bad = defect switch
        {
            "kinetic energy off by 1e-9" => WithStep(good, 2, s => s with { Kinetic = s.Kinetic * (1 + 1e-9) }),
            "one body-cell interaction more" => WithStep(good, 1, s => s with { BodyCell = s.BodyCell + 1 }),
            "root cube larger by 1e-12" => WithStep(good, 3, s => s with { RootSize = s.RootSize * (1 + 1e-12) }),
            "final body moved by 1e-9" => good with
            {
                Final = good.Final with
                {
                    Samples = good.Final.Samples.Select((b, i) => i == 0 ? b with { Position = b.Position with { X = b.Position.X * (1 + 1e-9) } } : b).ToList(),
                },
            },
            "final sum of |v|^2 off by 1e-9" => good with { Final = good.Final with { SumV2 = good.Final.SumV2 * (1 + 1e-9) } },
            "centre of mass moved by 1e-9" => WithStep(good, 1, s => s with { CentreOfMass = s.CentreOfMass with { Y = s.CentreOfMass.Y + 1e-9 } }),
            "a step missing" => good with { Steps = good.Steps.Take(good.Steps.Count - 1).ToList() },
            _ => throw new ArgumentException(defect),
        };
        AssertOnlyFails(BarnesVerifier.Verify(BarnesInput.Standard, bad, null), check);
    }

    [Fact]
    public void Barnes_verification_rejects_a_run_that_loses_energy_or_momentum()
    {
        // An input without reference values: only conservation (and the one-worker comparison) can catch a wrong run.
        var input = BarnesInput.Standard with { Name = "no-reference", Bodies = 1024 };
        Assert.False(BarnesVerifier.HasReference(input));
        var good = ReferenceBarnesRun() with { };
        Assert.True(BarnesVerifier.Verify(input, good, null).Passed);

        int last = good.Steps.Count - 1;
        AssertOnlyFails(BarnesVerifier.Verify(input, WithStep(good, last, s => s with { TotalEnergy = s.TotalEnergy * (1 + 2 * BarnesVerifier.EnergyDrift) }), null),
            "energy conservation");
        AssertOnlyFails(BarnesVerifier.Verify(input, WithStep(good, 1, s => s with { CentreOfMassVelocity = new Vector3d(2 * BarnesVerifier.MomentumBound, 0, 0) }), null),
            "momentum");
        AssertOnlyFails(BarnesVerifier.Verify(input, WithStep(good, last, s => s with { AngularMomentum = s.AngularMomentum with { X = s.AngularMomentum.X * 2 } }), null),
            "angular momentum");
    }

    [Fact]
    public void Barnes_conservation_checks_every_step_and_a_NaN_fails_them()
    {
        // Without reference values and without a one-worker run, conservation is all that guards a run: a NaN or a jump
        // in any step, not only the last, must fail the check that guards that quantity.
        var input = BarnesInput.Standard with { Name = "no-reference", Bodies = 1024 };
        var good = ReferenceBarnesRun();
        AssertOnlyFails(BarnesVerifier.Verify(input, WithStep(good, 1, s => s with { CentreOfMassVelocity = new Vector3d(double.NaN, 0, 0) }), null),
            "momentum");
        AssertOnlyFails(BarnesVerifier.Verify(input, WithStep(good, 1, s => s with { TotalEnergy = double.NaN }), null),
            "energy conservation");
        AssertOnlyFails(BarnesVerifier.Verify(input, WithStep(good, 2, s => s with { TotalEnergy = s.TotalEnergy * (1 + 2 * BarnesVerifier.EnergyDrift) }), null),
            "energy conservation");
        AssertOnlyFails(BarnesVerifier.Verify(input, WithStep(good, 1, s => s with { AngularMomentum = s.AngularMomentum with { Z = double.NaN } }), null),
            "angular momentum");
        AssertOnlyFails(BarnesVerifier.Verify(input, WithStep(good, 2, s => s with { AngularMomentum = s.AngularMomentum with { X = s.AngularMomentum.X * 2 } }), null),
            "angular momentum");
    }

    [Fact]
    public void Barnes_verification_rejects_a_run_that_depends_on_the_core_count()
    {
        var input = BarnesInput.Standard with { Name = "no-reference", Bodies = 1024 };
        var serial = ReferenceBarnesRun();

        var one = BarnesVerifier.Verify(input, ReferenceBarnesRun(), serial);
        Assert.True(one.Passed, one.Summary());
        AssertOnlyFails(BarnesVerifier.Verify(input, WithStep(ReferenceBarnesRun(), 2, s => s with { Potential = s.Potential * (1 + 1e-15) }), serial),
            "deterministic");

        var two = BarnesVerifier.Verify(input, ReferenceBarnesRun(workers: 2), serial);
        Assert.True(two.Passed, two.Summary());
        AssertOnlyFails(BarnesVerifier.Verify(input, WithStep(ReferenceBarnesRun(workers: 2), 2, s => s with { BodyBody = s.BodyBody - 1 }), serial),
            "counts independent of cores (2 vs 1)");
        AssertOnlyFails(BarnesVerifier.Verify(input, WithStep(ReferenceBarnesRun(workers: 2), 2, s => s with { Potential = s.Potential * (1 + 1e-8) }), serial),
            "independent of cores (2 vs 1)");
    }

    /// <summary>A run that reports exactly the original program's one-thread results on the paper's input.</summary>
    static RadiosityRun ReferenceRadiosityRun(int workers = 1)
    {
        var reference = RadiosityReference.Paper;
        return new RadiosityRun(1.0, workers, reference.Iterations,
            reference.EnergyTrace.Select(e => new EnergyTrace(e, 0)).ToList(), reference.Statistics, 0);
    }

    [Fact]
    public void Radiosity_verification_at_one_worker_rejects_any_departure_from_the_original()
    {
        var good = ReferenceRadiosityRun();
        var checks = RadiosityVerifier.Verify(RadiosityInput.Paper, good);
        Assert.True(checks.Passed, checks.Summary());

        var s = good.Statistics;
        AssertOnlyFails(RadiosityVerifier.Verify(RadiosityInput.Paper, good with { Statistics = s with { Patches = s.Patches - 1 } }), "patches");
        AssertOnlyFails(RadiosityVerifier.Verify(RadiosityInput.Paper, good with { Statistics = s with { Elements = s.Elements + 4 } }), "elements");
        AssertOnlyFails(RadiosityVerifier.Verify(RadiosityInput.Paper, good with { Statistics = s with { Interactions = s.Interactions + 1 } }), "interactions");
        AssertOnlyFails(RadiosityVerifier.Verify(RadiosityInput.Paper, good with { Statistics = s with { Visible = s.Visible + 1, Invisible = s.Invisible - 1 } }),
            "visibility classes");
        AssertOnlyFails(RadiosityVerifier.Verify(RadiosityInput.Paper, good with { Iterations = good.Iterations + 1 }), "iterations");
        var trace = good.Trace.ToList();
        trace[^1] = new EnergyTrace(trace[^1].TotalEnergy with { G = trace[^1].TotalEnergy.G * 1.0001f }, 0);
        AssertOnlyFails(RadiosityVerifier.Verify(RadiosityInput.Paper, good with { Trace = trace }), "energy trace");
        AssertOnlyFails(RadiosityVerifier.Verify(RadiosityInput.Paper, good with { Trace = good.Trace.Take(good.Trace.Count - 1).ToList() }), "energy trace");
    }

    /// <summary>An input the original was not run on has nothing to compare with: the run is not verified (it passed on
    /// the structural checks alone).</summary>
    [Fact]
    public void Radiosity_verification_fails_an_input_without_the_originals_results()
    {
        var other = RadiosityInput.Paper with { AreaEpsilon = 4000f, Name = "other" };
        Assert.Null(RadiosityReference.For(other));
        AssertOnlyFails(RadiosityVerifier.Verify(other, ReferenceRadiosityRun()), "reference");
    }

    [Fact]
    public void Radiosity_verification_with_more_workers_rejects_a_run_outside_the_originals_band()
    {
        var band = RadiosityReference.Paper.ParallelBand;
        var good = ReferenceRadiosityRun(workers: 2);
        var checks = RadiosityVerifier.Verify(RadiosityInput.Paper, good);
        Assert.True(checks.Passed, checks.Summary());

        var s = good.Statistics;
        AssertOnlyFails(RadiosityVerifier.Verify(RadiosityInput.Paper, good with { Statistics = s with { Patches = s.Patches + 1 } }), "patches");
        AssertOnlyFails(RadiosityVerifier.Verify(RadiosityInput.Paper, good with { Statistics = s with { Elements = band.MaxElements + 1 } }), "elements");
        AssertOnlyFails(RadiosityVerifier.Verify(RadiosityInput.Paper, good with { Statistics = s with { Elements = band.MinElements - 1 } }), "elements");
        AssertOnlyFails(RadiosityVerifier.Verify(RadiosityInput.Paper, good with { Statistics = s with { Interactions = band.MaxInteractions + 1 } }), "interactions");
        AssertOnlyFails(RadiosityVerifier.Verify(RadiosityInput.Paper, good with { Iterations = band.MaxIterations + 1 }), "iterations");
        var trace = good.Trace.ToList();
        var e = trace[^1].TotalEnergy;
        trace[^1] = new EnergyTrace(e with { R = e.R * 1.1f }, 0);
        AssertOnlyFails(RadiosityVerifier.Verify(RadiosityInput.Paper, good with { Trace = trace }), "converged energy");
        AssertOnlyFails(RadiosityVerifier.Verify(RadiosityInput.Paper, good with { Trace = [] }), "converged energy");
    }
}
