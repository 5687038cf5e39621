namespace Splash.Barnes;

/// <summary>
/// BARNES's own linear congruential generator (prand/pranset): state in [0, 2^31); each draw returns state / 2^31 and
/// then advances the state to (1103515245 * state + 12345) mod 2^31. Seeding sets the state to seed mod 2^31, so the
/// first draw is seed / 2^31.
/// </summary>
public sealed class BarnesRandom
{
    const long Multiplier = 1103515245, Increment = 12345, Mask = 0x7FFFFFFF;
    const double TwoTo31 = 2147483648.0;

    long _state;

    public BarnesRandom(long seed) => _state = seed & Mask;

    /// <summary>A draw in [0, 1).</summary>
    public double Next()
    {
        long last = _state;
        _state = (Multiplier * _state + Increment) & Mask;
        return last / TwoTo31;
    }

    /// <summary>A draw in [low, high): low + (high - low) * <see cref="Next"/>.</summary>
    public double Next(double low, double high) => low + (high - low) * Next();
}
