namespace Multikernel.CoreProcesses;

/// <summary>
/// A block of the shared region as this process sees it: named across processes by its <see cref="Offset"/>, read and
/// written here through this view (larger arguments and results of requests, a measurement's samples, a start gate).
/// Words are read and written with acquire/release semantics, so a flag written last publishes what was written
/// before it. A view is valid while its region is mapped: after the system has shut down, every access throws
/// <see cref="ObjectDisposedException"/>; a word read or write that races with the unmap (another thread shutting the
/// system down) either completes before it or throws. A span taken from a block (<see cref="Doubles"/>,
/// <see cref="Longs"/>, <see cref="ByteSpan"/>) is checked only when it is taken: use it only while the system runs.
/// </summary>
public readonly unsafe struct SharedBlock
{
    readonly byte* _at;
    readonly SharedRegion _region;

    /// <summary>Offset in the shared region: the block's name in every process.</summary>
    public long Offset { get; }
    public nuint Bytes { get; }

    internal SharedBlock(SharedRegion region, byte* at, long offset, nuint bytes)
    {
        _region = region;
        _at = at;
        Offset = offset;
        Bytes = bytes;
    }

    /// <summary>Number of 8-byte words in the block.</summary>
    public int Words => (int)(Bytes / 8);

    /// <summary>Reads word <paramref name="index"/> (acquire); throws <see cref="ObjectDisposedException"/> once the region is unmapped, even when the unmap races with the read.</summary>
    public long Read(int index) => _region.ReadWord(Word(index));

    /// <summary>Writes word <paramref name="index"/> (release); throws <see cref="ObjectDisposedException"/> once the region is unmapped, even when the unmap races with the write.</summary>
    public void Write(int index, long value) => _region.WriteWord(Word(index), value);

    /// <summary>The words from <paramref name="index"/> on as doubles (plain access: publish them with a later <see cref="Write"/>).</summary>
    public Span<double> Doubles(int index, int count)
    {
        CheckWords(index, count);
        return new Span<double>(_at + 8L * index, count);
    }

    /// <summary>Bytes from <paramref name="byteOffset"/> on (plain access: publish them with a later <see cref="Write"/>).</summary>
    public Span<byte> ByteSpan(int byteOffset, int count)
    {
        ObjectDisposedException.ThrowIf(_region is null || _region.IsDisposed, typeof(SharedRegion));
        if (byteOffset < 0 || count < 0 || (ulong)byteOffset + (ulong)count > Bytes)
            throw new ArgumentOutOfRangeException(nameof(byteOffset), byteOffset, $"bytes {byteOffset}..{byteOffset + count - 1} are outside a shared block of {Bytes} bytes");
        return new Span<byte>(_at + byteOffset, count);
    }

    /// <summary>The words from <paramref name="index"/> on (plain access: publish them with a later <see cref="Write"/>).</summary>
    public Span<long> Longs(int index, int count)
    {
        CheckWords(index, count);
        return new Span<long>(_at + 8L * index, count);
    }

    long* Word(int index)
    {
        CheckWords(index, 1);
        return (long*)(_at + 8L * index);
    }

    void CheckWords(int index, int count)
    {
        ObjectDisposedException.ThrowIf(_region is null || _region.IsDisposed, typeof(SharedRegion));
        if (index < 0 || count < 0 || (long)index + count > Words)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"words {index}..{index + count - 1} are outside a shared block of {Words} words");
    }
}
