using Splash.Verification;

namespace Splash.Barnes;

/// <summary>
/// Verifies a BARNES run. No official values exist, so it checks what must hold:
/// <list type="bullet">
/// <item>on SPLASH-2's standard input, agreement with the original program (<see cref="BarnesReference"/>): interaction,
/// cell and leaf counts and root cost exactly, the bounding cube to the 16 printed digits (<see cref="DigitsTolerance"/>);
/// sample bodies to the 16 printed digits before the run and
/// to <see cref="SummationTolerance"/> after it; energies, angular momentum and sums to <see cref="SummationTolerance"/>
/// (the order of additions may differ); centre of mass, a sum that cancels to rounding noise, to
/// <see cref="NoiseTolerance"/> absolute;</item>
/// <item>conservation within what the integrator and the tree approximation allow, in every step against the first:
/// total energy drift, centre-of-mass velocity and angular momentum drift (<see cref="EnergyDrift"/>, <see cref="MomentumBound"/>,
/// <see cref="AngularMomentumDrift"/>);</item>
/// <item>independence of the core count: against a one-worker run of the same code and input, identical at one
/// worker; with more workers the same counts every step and energies to <see cref="CrossCoreTolerance"/> (only the
/// order of bodies within leaves, hence of some additions, changes).</item>
/// </list>
/// </summary>
public static class BarnesVerifier
{
    /// <summary>Relative agreement where only the order of floating-point additions differs (the reference's "about 1e-12").</summary>
    public const double SummationTolerance = 1e-12;
    /// <summary>Relative agreement of values printed with 16 significant digits and computed by the same operations.</summary>
    public const double DigitsTolerance = 1e-15;
    /// <summary>Absolute agreement of the centre of mass (position and velocity), whose value is itself rounding noise at step 0.</summary>
    public const double NoiseTolerance = 1e-12;
    /// <summary>Largest relative change of the total energy over a run (the standard input drifts by 1.2e-4 in 3 steps).</summary>
    public const double EnergyDrift = 1e-3;
    /// <summary>Largest centre-of-mass speed (the tree's forces are not exactly symmetric; the standard input reaches 6e-7).</summary>
    public const double MomentumBound = 1e-5;
    /// <summary>Largest relative change of the angular momentum over a run (the standard input: 7e-4 in 3 steps on its smallest component).</summary>
    public const double AngularMomentumDrift = 5e-3;
    /// <summary>Relative agreement of every step's energies with the one-worker run.</summary>
    public const double CrossCoreTolerance = 1e-10;

    /// <summary>Whether <paramref name="input"/> is SPLASH-2's standard input, for which reference values exist.</summary>
    public static bool HasReference(BarnesInput input) => input with { Name = "" } == BarnesInput.Standard with { Name = "" };

    /// <param name="oneWorker">A one-worker run of the same input (the serial reference of this code), or null.</param>
    public static CheckList Verify(BarnesInput input, BarnesRun run, BarnesRun? oneWorker)
    {
        var checks = new CheckList();
        if (run.Steps.Count != input.Steps || run.Steps.Any(s => s is null))
        {
            checks.Add("steps", false, $"{run.Steps.Count(s => s is not null)} of {input.Steps} steps recorded");
            return checks;
        }
        if (HasReference(input)) AgainstReference(run, checks);
        Conservation(run, checks);
        if (oneWorker is not null) AgainstOneWorker(run, oneWorker, checks);
        return checks;
    }

    static void AgainstReference(BarnesRun run, CheckList checks)
    {
        var initial = new WorstError("reference initial bodies", DigitsTolerance, relative: true);
        Samples(initial, "INIT", run.Initial, BarnesReference.Initial);
        initial.Into(checks);
        var sums = new WorstError("reference sums of |x|^2, |v|^2", SummationTolerance, relative: true);
        sums.Add("INIT sum_r2", run.Initial.SumR2, BarnesReference.Initial.SumR2);
        sums.Add("INIT sum_v2", run.Initial.SumV2, BarnesReference.Initial.SumV2);
        sums.Add("FINAL sum_r2", run.Final.SumR2, BarnesReference.Final.SumR2);
        sums.Add("FINAL sum_v2", run.Final.SumV2, BarnesReference.Final.SumV2);
        sums.Into(checks);
        var noise = new WorstError("reference sums of x and v, centre of mass", NoiseTolerance, relative: false);
        Vector(noise, "INIT sum_pos", run.Initial.SumPosition, BarnesReference.Initial.SumPosition);
        Vector(noise, "INIT sum_vel", run.Initial.SumVelocity, BarnesReference.Initial.SumVelocity);
        Vector(noise, "FINAL sum_pos", run.Final.SumPosition, BarnesReference.Final.SumPosition);
        Vector(noise, "FINAL sum_vel", run.Final.SumVelocity, BarnesReference.Final.SumVelocity);
        var final = new WorstError("reference final bodies", SummationTolerance, relative: true);
        Samples(final, "FINAL", run.Final, BarnesReference.Final);
        final.Into(checks);

        var energies = new WorstError("reference energies and angular momentum", SummationTolerance, relative: true);
        var cube = new WorstError("reference bounding cubes", DigitsTolerance, relative: true);
        for (int s = 0; s < BarnesReference.Steps.Count; s++)
        {
            var a = run.Steps[s];
            var e = BarnesReference.Steps[s];
            Energies(energies, a, e);
            Vector(energies, $"step {s} angmom", a.AngularMomentum, e.AngularMomentum);
            Vector(noise, $"step {s} cm_pos", a.CentreOfMass, e.CentreOfMass);
            Vector(noise, $"step {s} cm_vel", a.CentreOfMassVelocity, e.CentreOfMassVelocity);
            cube.Add($"step {s} rsize", a.RootSize, e.RootSize);
            Vector(cube, $"step {s} rmin", a.RootMin, e.RootMin);
        }
        energies.Into(checks);
        noise.Into(checks);
        cube.Into(checks);
        var counts = FirstCountMismatch(run.Steps, BarnesReference.Steps);
        checks.Add("reference counts", counts is null,
            counts ?? $"interactions, self-interactions missed, cells, leaves and root cost of all {BarnesReference.Steps.Count} steps equal");
    }

    /// <summary>
    /// Every step against the first: the largest relative change of the total energy and of the angular momentum, and
    /// the largest centre-of-mass speed. A NaN in any step is the worst value (it fails its check).
    /// </summary>
    static void Conservation(BarnesRun run, CheckList checks)
    {
        var first = run.Steps[0];
        var energy = new WorstError("energy conservation", EnergyDrift, relative: true);
        double speed = 0, turn = 0;
        int speedStep = 0, turnStep = 0;
        foreach (var s in run.Steps)
        {
            energy.Add($"step {s.Step} Etot vs step 0", s.TotalEnergy, first.TotalEnergy);
            double v = Math.Sqrt(Square(s.CentreOfMassVelocity));
            if (!(v <= speed)) (speed, speedStep) = (double.IsNaN(v) ? double.PositiveInfinity : v, s.Step);
            var d = new Vector3d(s.AngularMomentum.X - first.AngularMomentum.X, s.AngularMomentum.Y - first.AngularMomentum.Y, s.AngularMomentum.Z - first.AngularMomentum.Z);
            double change = Math.Sqrt(Square(d)) / Math.Sqrt(Square(first.AngularMomentum));
            if (!(change <= turn)) (turn, turnStep) = (double.IsNaN(change) ? double.PositiveInfinity : change, s.Step);
        }
        energy.Into(checks);
        checks.Within("momentum", speed, 0, MomentumBound, $"largest centre-of-mass speed over the steps, at step {speedStep}");
        checks.Within("angular momentum", turn, 0, AngularMomentumDrift, $"largest |L_step - L_0| / |L_0| over the steps, at step {turnStep}");
    }

    static void AgainstOneWorker(BarnesRun run, BarnesRun reference, CheckList checks)
    {
        if (run.Workers == 1)
        {
            bool same = run.Steps.SequenceEqual(reference.Steps) && SameSummary(run.Final, reference.Final);
            checks.Add("deterministic", same, same ? "identical to the serial run in every diagnostic and final body" : "differs from the serial run at one worker");
            return;
        }
        var energies = new WorstError($"independent of cores ({run.Workers} vs 1)", CrossCoreTolerance, relative: true);
        for (int s = 0; s < run.Steps.Count; s++)
            Energies(energies, run.Steps[s], reference.Steps[s]);
        energies.Add("final sum_r2", run.Final.SumR2, reference.Final.SumR2);
        energies.Add("final sum_v2", run.Final.SumV2, reference.Final.SumV2);
        energies.Into(checks);
        var counts = FirstCountMismatch(run.Steps, reference.Steps);
        checks.Add($"counts independent of cores ({run.Workers} vs 1)", counts is null,
            counts ?? "every step's interactions, self-interactions missed, cells, leaves and root cost equal");
    }

    /// <summary>How the first step whose counts differ differs (see <see cref="CountMismatch"/>), or null when every step of <paramref name="actual"/> has the counts of <paramref name="expected"/>.</summary>
    static string? FirstCountMismatch(IReadOnlyList<StepDiagnostics> actual, IReadOnlyList<StepDiagnostics> expected)
    {
        for (int s = 0; s < actual.Count; s++)
            if (CountMismatch(actual[s], expected[s]) is { } mismatch) return mismatch;
        return null;
    }

    /// <summary>How a step's counts differ (body-body, body-cell, self-interactions missed, cells, leaves, root cost), or null.</summary>
    static string? CountMismatch(StepDiagnostics a, StepDiagnostics e)
    {
        long[] mine = [a.BodyBody, a.BodyCell, a.SelfInteractionMissed, a.Cells, a.Leaves, a.RootCost];
        long[] theirs = [e.BodyBody, e.BodyCell, e.SelfInteractionMissed, e.Cells, e.Leaves, e.RootCost];
        return mine.SequenceEqual(theirs) ? null
            : $"step {a.Step}: n2b/nbc/self/cells/leaves/rootcost {string.Join('/', mine)} vs {string.Join('/', theirs)}";
    }

    static bool SameSummary(BodySummary a, BodySummary b) =>
        a.SumPosition.Equals(b.SumPosition) && a.SumVelocity.Equals(b.SumVelocity) && a.SumR2.Equals(b.SumR2) && a.SumV2.Equals(b.SumV2)
        && a.Samples.SequenceEqual(b.Samples);

    static void Energies(WorstError group, StepDiagnostics actual, StepDiagnostics expected)
    {
        group.Add($"step {actual.Step} Etot", actual.TotalEnergy, expected.TotalEnergy);
        group.Add($"step {actual.Step} KE", actual.Kinetic, expected.Kinetic);
        group.Add($"step {actual.Step} PE", actual.Potential, expected.Potential);
    }

    static void Samples(WorstError group, string when, BodySummary actual, BodySummary expected)
    {
        for (int i = 0; i < expected.Samples.Count; i++)
        {
            var a = actual.Samples.FirstOrDefault(s => s.Index == expected.Samples[i].Index);
            if (a is null)
            {
                group.Add($"{when} body {expected.Samples[i].Index} (missing)", double.NaN, 0);
                continue;
            }
            Vector(group, $"{when} body {a.Index} pos", a.Position, expected.Samples[i].Position);
            Vector(group, $"{when} body {a.Index} vel", a.Velocity, expected.Samples[i].Velocity);
        }
    }

    static void Vector(WorstError group, string item, Vector3d actual, Vector3d expected)
    {
        group.Add(item + ".x", actual.X, expected.X);
        group.Add(item + ".y", actual.Y, expected.Y);
        group.Add(item + ".z", actual.Z, expected.Z);
    }

    static double Square(Vector3d v) => v.X * v.X + v.Y * v.Y + v.Z * v.Z;
}
