using System.Globalization;

namespace Report.Html;

/// <summary>Formats measured values for tables: whole numbers with thousands separated from 1000 up, whole from 100, one
/// decimal from 10, up to three decimals from 0.001 (so a ratio such as 1.049 keeps the digit its 1.05 margin needs),
/// three significant digits in E notation below.</summary>
public static class NumberText
{
    public static string Format(double v)
    {
        if (double.IsNaN(v)) return "";
        if (double.IsInfinity(v)) return v > 0 ? "inf" : "-inf";
        double a = Math.Abs(v);
        if (a >= 1000) return v.ToString("#,0", CultureInfo.InvariantCulture);
        if (a == 0) return "0";
        if (a >= 100) return v.ToString("0", CultureInfo.InvariantCulture);
        if (a >= 10) return v.ToString("0.0", CultureInfo.InvariantCulture);
        if (a >= 0.001) return v.ToString("0.###", CultureInfo.InvariantCulture);
        return v.ToString("0.##E+0", CultureInfo.InvariantCulture);
    }

    /// <summary>"median [lo, hi]" for a row whose interval is known; the median alone otherwise.</summary>
    public static string WithInterval(double median, double lo, double hi) =>
        double.IsFinite(lo) && double.IsFinite(hi) && (lo != median || hi != median)
            ? $"{Format(median)} [{Format(lo)}, {Format(hi)}]"
            : Format(median);
}
