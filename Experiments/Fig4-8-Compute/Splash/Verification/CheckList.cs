using System.Globalization;

namespace Splash.Verification;

/// <summary>Checks collected while verifying a run; a run passes when every check passes.</summary>
public sealed class CheckList
{
    readonly List<Check> _checks = new();

    public IReadOnlyList<Check> Checks => _checks;

    public bool Passed => _checks.All(c => c.Passed);

    /// <summary>The first failed check, or null.</summary>
    public Check? FirstFailure => _checks.FirstOrDefault(c => !c.Passed);

    public void Add(string name, bool passed, string detail) => _checks.Add(new Check(name, passed, detail));

    /// <summary>|actual - expected| &lt;= tolerance x |expected|.</summary>
    public void Relative(string name, double actual, double expected, double tolerance)
    {
        double error = RelativeError(actual, expected);
        Add(name, error <= tolerance, string.Create(CultureInfo.InvariantCulture, $"{actual:G17} vs {expected:G17}, rel {error:G3} <= {tolerance:G3}"));
    }

    /// <summary>|actual - expected| &lt;= tolerance.</summary>
    public void Absolute(string name, double actual, double expected, double tolerance)
    {
        double error = Math.Abs(actual - expected);
        Add(name, error <= tolerance, string.Create(CultureInfo.InvariantCulture, $"{actual:G17} vs {expected:G17}, abs {error:G3} <= {tolerance:G3}"));
    }

    public void Equal(string name, long actual, long expected) =>
        Add(name, actual == expected, string.Create(CultureInfo.InvariantCulture, $"{actual} vs {expected}"));

    public void Within(string name, double actual, double low, double high, string why) =>
        Add(name, actual >= low && actual <= high, string.Create(CultureInfo.InvariantCulture, $"{actual:G10} in [{low:G10}, {high:G10}] ({why})"));

    public static double RelativeError(double actual, double expected) =>
        expected == 0 ? Math.Abs(actual) : Math.Abs(actual - expected) / Math.Abs(expected);

    /// <summary>A one-line summary for a result row's note: the check count and the first failure, or the names that passed.</summary>
    public string Summary()
    {
        var failed = _checks.Where(c => !c.Passed).ToList();
        if (failed.Count > 0) return $"{failed.Count} of {_checks.Count} checks FAILED, first: {failed[0]}";
        return $"all {_checks.Count} checks passed";
    }
}
