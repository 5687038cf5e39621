using System.Globalization;

namespace Splash.Verification;

/// <summary>
/// Compares many values against their expected ones under one tolerance and keeps the worst, so a group of comparisons
/// (e.g. every energy of every step) becomes one check naming its worst item.
/// </summary>
public sealed class WorstError(string name, double tolerance, bool relative)
{
    double _worst;
    string _where = "nothing compared";
    int _count;

    public void Add(string item, double actual, double expected)
    {
        double error = relative ? CheckList.RelativeError(actual, expected) : Math.Abs(actual - expected);
        if (double.IsNaN(error)) error = double.PositiveInfinity;
        _count++;
        if (_count == 1 || error > _worst)
        {
            _worst = error;
            _where = string.Create(CultureInfo.InvariantCulture, $"{item}: {actual:G17} vs {expected:G17}");
        }
    }

    /// <summary>Adds the group to <paramref name="checks"/> as one check.</summary>
    public void Into(CheckList checks) => checks.Add(name, _count > 0 && _worst <= tolerance,
        string.Create(CultureInfo.InvariantCulture, $"{_count} values, worst {(relative ? "rel" : "abs")} {_worst:G3} <= {tolerance:G3} at {_where}"));
}
