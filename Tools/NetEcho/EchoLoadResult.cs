namespace NetEcho;

/// <summary>What one load run saw in its measured window.</summary>
public sealed record EchoLoadResult(long Sent, long Received, long Corrupt, double Seconds, double[] RttMicroseconds)
{
    public double PacketsPerSecond => Seconds > 0 ? Received / Seconds : 0;
    public double Percentile(double q)
    {
        if (RttMicroseconds.Length == 0) return double.NaN;
        var s = (double[])RttMicroseconds.Clone();
        Array.Sort(s);
        return s[Math.Min(s.Length - 1, (int)(q * s.Length))];
    }
}
