using System.Numerics;

namespace Multikernel.Monitor;

/// <summary>
/// A set of core indices (0 to <see cref="Capacity"/> - 1) in three words, so it travels inside one URPC message
/// next to four words of request. Immutable value.
/// </summary>
public readonly record struct CoreSet(ulong Word0, ulong Word1, ulong Word2)
{
    public const int Capacity = 192;

    public static CoreSet Empty => default;

    /// <summary>Core indices 0 .. n-1.</summary>
    public static CoreSet FirstN(int n)
    {
        if (n < 0 || n > Capacity) throw new ArgumentOutOfRangeException(nameof(n), n, $"a core set holds core indices 0 to {Capacity - 1}");
        var s = Empty;
        for (int i = 0; i < n; i++) s = s.With(i);
        return s;
    }

    public static CoreSet Of(IEnumerable<int> cores)
    {
        var s = Empty;
        foreach (int c in cores) s = s.With(c);
        return s;
    }

    public CoreSet With(int core)
    {
        Check(core);
        ulong bit = 1UL << (core & 63);
        return (core >> 6) switch
        {
            0 => this with { Word0 = Word0 | bit },
            1 => this with { Word1 = Word1 | bit },
            _ => this with { Word2 = Word2 | bit },
        };
    }

    public CoreSet Without(int core)
    {
        Check(core);
        ulong bit = ~(1UL << (core & 63));
        return (core >> 6) switch
        {
            0 => this with { Word0 = Word0 & bit },
            1 => this with { Word1 = Word1 & bit },
            _ => this with { Word2 = Word2 & bit },
        };
    }

    /// <summary>The members of this set that are not in <paramref name="other"/>.</summary>
    public CoreSet Except(CoreSet other) => new(Word0 & ~other.Word0, Word1 & ~other.Word1, Word2 & ~other.Word2);

    /// <summary>The members of either set.</summary>
    public CoreSet Union(CoreSet other) => new(Word0 | other.Word0, Word1 | other.Word1, Word2 | other.Word2);

    /// <summary>True when the set has no member (three word tests, no count).</summary>
    public bool IsEmpty => (Word0 | Word1 | Word2) == 0;

    public bool Contains(int core)
    {
        if ((uint)core >= Capacity) return false;
        ulong w = (core >> 6) switch { 0 => Word0, 1 => Word1, _ => Word2 };
        return (w & (1UL << (core & 63))) != 0;
    }

    public int Count => BitOperations.PopCount(Word0) + BitOperations.PopCount(Word1) + BitOperations.PopCount(Word2);

    /// <summary>Highest member plus one (0 when empty).</summary>
    public int Bound => Word2 != 0 ? 192 - BitOperations.LeadingZeroCount(Word2)
        : Word1 != 0 ? 128 - BitOperations.LeadingZeroCount(Word1)
        : 64 - BitOperations.LeadingZeroCount(Word0);

    /// <summary>
    /// Refuses a set that names a core a system of <paramref name="coreCount"/> cores lacks (an index of
    /// <paramref name="coreCount"/> or more): <see cref="ArgumentOutOfRangeException"/> naming <paramref name="paramName"/>
    /// and the indices allowed. The check inlines; the exception is made out of line.
    /// </summary>
    public void ThrowIfBeyond(int coreCount, string paramName)
    {
        if (Bound > coreCount) throw BeyondCores(coreCount, paramName);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    ArgumentOutOfRangeException BeyondCores(int coreCount, string paramName) =>
        new(paramName, ToString(), $"participants must be core indices 0..{coreCount - 1}");

    /// <summary>The members, ascending.</summary>
    public int[] ToArray()
    {
        var a = new int[Count];
        int k = 0;
        for (int c = 0; c < Bound; c++) if (Contains(c)) a[k++] = c;
        return a;
    }

    static void Check(int core)
    {
        if ((uint)core >= Capacity) throw new ArgumentOutOfRangeException(nameof(core), core, $"a core set holds core indices 0 to {Capacity - 1}");
    }

    public override string ToString() => "{" + string.Join(',', ToArray()) + "}";
}
