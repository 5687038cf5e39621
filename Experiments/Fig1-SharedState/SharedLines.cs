using System.Runtime.CompilerServices;
using Multikernel.Hardware;

namespace Fig1.SharedState;

/// <summary>
/// The shared state of the experiment: <see cref="Count"/> 64-bit counters, each alone at the start of its own
/// 64-byte cache line, in unmanaged memory aligned to a page (so to a line). Counter i lives at word
/// <c>i * WordsPerLine</c>. Optionally bound to a NUMA node (the server's node for MSG).
/// </summary>
public sealed unsafe class SharedLines : IDisposable
{
    public const int WordsPerLine = CacheLine.Size / sizeof(long);

    readonly nuint _bytes;
    long* _base;

    public int Count { get; }

    public SharedLines(int count, int numaNode = -1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        Count = count;
        _bytes = (nuint)(count * CacheLine.Size);
        _base = (long*)NativeBlock.Alloc(_bytes, numaNode);
    }

    /// <summary>Address of counter 0; counter i is at <c>Base + i * WordsPerLine</c>. The getter inlines (its throw is
    /// out of line): the MSG server reads it on every request.</summary>
    public long* Base
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _base != null ? _base : throw Disposed();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static ObjectDisposedException Disposed() => new(nameof(SharedLines));

    public long this[int line] => Volatile.Read(ref Base[line * WordsPerLine]);

    /// <summary>The value of every counter now.</summary>
    public long[] Snapshot()
    {
        var values = new long[Count];
        for (int i = 0; i < Count; i++) values[i] = this[i];
        return values;
    }

    /// <summary>Null if every counter holds <paramref name="expected"/>, else a description of the first that does not.</summary>
    public string? CheckAll(long expected)
    {
        for (int i = 0; i < Count; i++)
            if (this[i] != expected) return $"line {i} holds {this[i]}, expected {expected}";
        return null;
    }

    /// <summary>Null if every counter holds a value in [<paramref name="min"/>, <paramref name="max"/>], else a description of the first that does not.</summary>
    public string? CheckWithin(long min, long max)
    {
        for (int i = 0; i < Count; i++)
            if (this[i] < min || this[i] > max) return $"line {i} holds {this[i]}, outside [{min}, {max}]";
        return null;
    }

    public void Dispose()
    {
        if (_base == null) return;
        NativeBlock.Free(_base, _bytes);
        _base = null;
    }
}
