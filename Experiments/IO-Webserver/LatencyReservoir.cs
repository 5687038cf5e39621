namespace IOWebserver;

/// <summary>
/// A uniform sample of at most <see cref="Capacity"/> round trips out of all that one load thread saw (Vitter's
/// algorithm R): the first <see cref="Capacity"/> are kept in arrival order; after them the i-th value (1-based)
/// replaces a kept one chosen at random with probability Capacity / i. Every value seen is then kept with the same
/// probability, so percentiles over the sample describe the whole run, not its first replies. One per load thread
/// (not thread-safe). The random source is xorshift64: uniform enough for sampling, cheap on the receive path, and
/// deterministic for a seed.
/// </summary>
internal sealed class LatencyReservoir
{
    readonly double[] _kept;
    int _count;
    long _seen;
    ulong _state;

    public LatencyReservoir(int capacity, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _kept = new double[capacity];
        _state = seed == 0 ? 0x9E3779B97F4A7C15UL : seed; // xorshift's state must not be 0
    }

    public int Capacity => _kept.Length;

    /// <summary>How many values were offered (kept or not).</summary>
    public long Seen => _seen;

    public void Add(double value)
    {
        _seen++;
        if (_count < _kept.Length)
        {
            _kept[_count++] = value;
            return;
        }
        _state ^= _state << 13;
        _state ^= _state >> 7;
        _state ^= _state << 17;
        ulong slot = _state % (ulong)_seen;
        if (slot < (ulong)_kept.Length) _kept[slot] = value;
    }

    /// <summary>The kept values: min(Seen, Capacity) of them.</summary>
    public double[] ToArray() => _kept.AsSpan(0, _count).ToArray();
}
