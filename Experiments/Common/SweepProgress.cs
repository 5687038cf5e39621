using System.Diagnostics;

namespace Experiments.Common;

/// <summary>
/// Progress of a sweep, one line per point on stderr: which experiment, which point of how many,
/// elapsed time and an estimate of the time left (from the mean time per finished point, weighted by cost).
/// </summary>
public sealed class SweepProgress
{
    readonly string _experiment;
    readonly double _totalCost;
    double _doneCost;
    int _done;
    readonly int _points;
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly TextWriter _out;

    /// <param name="pointCosts">Relative cost of each point (e.g. number of cores x iterations); all 1 if unknown.</param>
    public SweepProgress(string experiment, IReadOnlyList<double> pointCosts, TextWriter? output = null)
    {
        _experiment = experiment;
        _points = pointCosts.Count;
        _totalCost = pointCosts.Sum();
        _out = output ?? Console.Error;
    }

    public SweepProgress(string experiment, int points, TextWriter? output = null)
        : this(experiment, Enumerable.Repeat(1.0, points).ToArray(), output) { }

    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Announces the start of a point.</summary>
    public void Begin(string point) =>
        _out.WriteLine($"[{_experiment}] {_done + 1}/{_points} {point}  elapsed {Fmt(_clock.Elapsed)}  left {Remaining()}");

    /// <summary>Marks a point finished with its relative cost.</summary>
    public void End(double cost = 1)
    {
        _done++;
        _doneCost += cost;
    }

    string Remaining()
    {
        if (_doneCost <= 0) return "?";
        double perCost = _clock.Elapsed.TotalSeconds / _doneCost;
        return Fmt(TimeSpan.FromSeconds(perCost * Math.Max(0, _totalCost - _doneCost)));
    }

    static string Fmt(TimeSpan t) => t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss") : t.ToString(@"mm\:ss");
}
