namespace IOWebserver;

/// <summary>
/// A uniform sample of at most <see cref="Capacity"/> round trips out of all that one load thread saw (Vitter's
/// algorithm R): the first <see cref="Capacity"/> are kept in arrival order; after them the i-th value (1-based)
/// replaces a kept one chosen at random with probability Capacity / i. Every value seen is then kept with the same
/// probability, so percentiles over the sample describe the whole run, not its first replies. One per load thread
/// (not thread-safe); <see cref="Merge"/> makes the run's sample of the threads' ones. The random source is xorshift64: uniform enough for sampling, cheap on the receive path, and
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

    /// <summary>
    /// One sample of a whole run from the samples of its threads (each part: what a thread's reservoir kept, and how many
    /// values it saw). Where every thread kept all it saw, all of them. Else every value of the run must be kept with
    /// the same probability: the smallest kept/seen of any thread, r; each thread gives round(r x seen) of its kept values,
    /// chosen at random (a thread that saw few keeps all and must not count as much as one that saw many).
    /// </summary>
    public static double[] Merge(IReadOnlyList<(double[] Kept, long Seen)> parts, ulong seed)
    {
        double rate = 1;
        foreach (var (kept, seen) in parts)
            if (seen > 0) rate = Math.Min(rate, (double)kept.Length / seen);
        if (rate >= 1) return parts.SelectMany(p => p.Kept).ToArray();
        ulong state = seed == 0 ? 0x9E3779B97F4A7C15UL : seed;
        var merged = new List<double>();
        foreach (var (kept, seen) in parts)
        {
            int take = (int)Math.Min(kept.Length, Math.Round(rate * seen));
            // The first places of a reservoir hold the earliest values more often than others: choose at random
            // (a partial Fisher-Yates shuffle of a copy).
            var pool = (double[])kept.Clone();
            for (int i = 0; i < take; i++)
            {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                int j = i + (int)(state % (ulong)(pool.Length - i));
                (pool[i], pool[j]) = (pool[j], pool[i]);
            }
            merged.AddRange(pool.AsSpan(0, take));
        }
        return merged.ToArray();
    }
}
