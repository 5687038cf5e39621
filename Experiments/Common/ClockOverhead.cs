using Multikernel.Hardware;

namespace Experiments.Common;

/// <summary>
/// The cost of one <see cref="CycleClock.Now"/> as seen by back-to-back reads: what a timed region of zero work
/// measures. Experiments that time single short operations report it beside their numbers (they do not subtract it).
/// </summary>
public static class ClockOverhead
{
    public static double MedianCycles(int samples = 2001)
    {
        var d = new double[samples];
        for (int i = 0; i < 200; i++) CycleClock.Now();
        for (int i = 0; i < samples; i++)
        {
            ulong a = CycleClock.Now();
            ulong b = CycleClock.Now();
            d[i] = b - a;
        }
        Array.Sort(d);
        return SampleSummary.MedianOfSorted<double>(d);
    }
}
