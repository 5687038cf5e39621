using Multikernel.Hardware;

namespace Experiments.Common;

/// <summary>
/// The cost of one clock read as seen by back-to-back reads: what a timed region of zero work measures, for
/// <see cref="CycleClock.Now"/> (<see cref="MedianCycles"/>) and for <see cref="CycleClock.NowOrdered"/>
/// (<see cref="OrderedMedianCycles"/>). Experiments that time single short operations report it beside their numbers
/// (they do not subtract it).
/// </summary>
public static class ClockOverhead
{
    public static double MedianCycles(int samples = 2001) => Measure(ordered: false, samples);

    public static double OrderedMedianCycles(int samples = 2001) => Measure(ordered: true, samples);

    static double Measure(bool ordered, int samples)
    {
        var d = new double[samples];
        for (int i = 0; i < 200; i++) d[0] = ordered ? CycleClock.NowOrdered() : CycleClock.Now();
        for (int i = 0; i < samples; i++)
        {
            ulong a, b;
            if (ordered) { a = CycleClock.NowOrdered(); b = CycleClock.NowOrdered(); }
            else { a = CycleClock.Now(); b = CycleClock.Now(); }
            d[i] = b - a;
        }
        Array.Sort(d);
        return SampleSummary.MedianOfSorted<double>(d);
    }
}
