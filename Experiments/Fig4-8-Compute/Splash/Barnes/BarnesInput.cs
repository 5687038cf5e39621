namespace Splash.Barnes;

/// <summary>
/// The parameters of a BARNES run (the SPLASH-2 input file's values; initial conditions are always generated, output
/// is never written). <see cref="Standard"/> is SPLASH-2's shipped input.
/// </summary>
public sealed record BarnesInput
{
    /// <summary>Bodies; the first half is drawn from a Plummer sphere, the second half is a copy shifted by 4 in x, y, z.</summary>
    public required int Bodies { get; init; }
    public long Seed { get; init; } = 123;
    public double TimeStep { get; init; } = 0.025;
    /// <summary>Potential softening (eps).</summary>
    public double Softening { get; init; } = 0.05;
    /// <summary>Cell opening tolerance (tol): a node of side s at distance d is opened when tol^2 d^2 &lt; s^2.</summary>
    public double Tolerance { get; init; } = 1.0;
    /// <summary>Cells allocated per leaf (fcells).</summary>
    public double CellsPerLeaf { get; init; } = 2.0;
    /// <summary>Leaves allocated per body (fleaves; the shipped input sets 5.0).</summary>
    public double LeavesPerBody { get; init; } = 5.0;
    /// <summary>Time to stop (tstop): steps run while t &lt; tstop + dt/10.</summary>
    public double StopTime { get; init; } = 0.075;

    /// <summary>A short name for results, e.g. "standard".</summary>
    public string Name { get; init; } = "custom";

    /// <summary>SPLASH-2's input: 16384 bodies, seed 123, dt 0.025, eps 0.05, tol 1.0, fcells 2, fleaves 5, tstop 0.075 (4 steps).</summary>
    public static BarnesInput Standard => new() { Bodies = 16384, Name = "standard" };

    /// <summary>A smaller input for smoke runs: 2048 bodies, otherwise as <see cref="Standard"/> (4 steps).</summary>
    public static BarnesInput Quick => new() { Bodies = 2048, Name = "quick" };

    /// <summary>A larger input for many cores: 65536 bodies and tstop 0.225 (10 steps), otherwise as <see cref="Standard"/>.</summary>
    public static BarnesInput Full => new() { Bodies = 65536, StopTime = 0.225, Name = "full" };

    /// <summary>Most steps a run may take (the time loop counts them one by one).</summary>
    public const int MaxSteps = 1_000_000;

    /// <summary>
    /// Steps the run takes: the reference loop <c>while (tnow &lt; tstop + 0.1 * dtime) tnow += dtime</c>. Refused
    /// (<see cref="ArgumentException"/>) where that loop would not end or would run more than <see cref="MaxSteps"/>
    /// steps: a time step that is not a positive number, a stop time that is not a number.
    /// </summary>
    public int Steps => CountSteps() ?? throw new ArgumentException(
        $"BARNES: time step {TimeStep} and stop time {StopTime} do not give a run of at most {MaxSteps} steps (the time step must be a positive number)");

    int? CountSteps()
    {
        if (!(TimeStep > 0) || !double.IsFinite(TimeStep) || !(StopTime / TimeStep < MaxSteps)) return null;
        int n = 0;
        for (double t = 0.0; t < StopTime + 0.1 * TimeStep; t += TimeStep) n++;
        return n;
    }

    /// <summary>Leaves allocated in all: fleaves x bodies.</summary>
    public long MaxLeaves => (long)(LeavesPerBody * Bodies);

    /// <summary>Cells allocated in all: fcells x leaves.</summary>
    public long MaxCells => (long)(CellsPerLeaf * MaxLeaves);

    public override string ToString() =>
        $"{Name}: {Bodies} bodies, seed {Seed}, dt {TimeStep}, eps {Softening}, tol {Tolerance}, fcells {CellsPerLeaf}, fleaves {LeavesPerBody}, tstop {StopTime} ({(CountSteps() is { } steps ? $"{steps}" : "no valid number of")} steps)";
}
