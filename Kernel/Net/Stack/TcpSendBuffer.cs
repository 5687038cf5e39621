namespace Multikernel.Net.Stack;

/// <summary>
/// A connection's send side: a ring of bytes from SND.UNA onwards (sent and unacknowledged, then not yet sent). The
/// bytes stay here until acknowledged, so a retransmission rebuilds its segment from them.
/// </summary>
internal sealed unsafe class TcpSendBuffer
{
    readonly byte* _base;
    int _head;

    public int Capacity { get; }
    public int Count { get; private set; }
    public int Free => Capacity - Count;

    public TcpSendBuffer(byte* memory, int capacity)
    {
        _base = memory;
        Capacity = capacity;
    }

    public void Reset()
    {
        _head = 0;
        Count = 0;
    }

    /// <summary>Appends as much of <paramref name="data"/> as fits; returns the bytes taken.</summary>
    public int Append(ReadOnlySpan<byte> data)
    {
        int n = Math.Min(data.Length, Free);
        int at = (_head + Count) % Capacity;
        int first = Math.Min(n, Capacity - at);
        data[..first].CopyTo(new Span<byte>(_base + at, first));
        if (first < n) data[first..n].CopyTo(new Span<byte>(_base, n - first));
        Count += n;
        return n;
    }

    /// <summary>The free bytes that lie contiguously after the last queued byte, to build data in place.</summary>
    public Span<byte> Writable()
    {
        int at = (_head + Count) % Capacity;
        return new Span<byte>(_base + at, Math.Min(Free, Capacity - at));
    }

    /// <summary>Queues <paramref name="count"/> bytes written into <see cref="Writable"/>.</summary>
    public void Commit(int count)
    {
        if ((uint)count > (uint)Writable().Length) throw new ArgumentOutOfRangeException(nameof(count), count, "more than the writable span");
        Count += count;
    }

    /// <summary>Drops <paramref name="count"/> acknowledged bytes from the front.</summary>
    public void Drop(int count)
    {
        _head = (_head + count) % Capacity;
        Count -= count;
        if (Count == 0) _head = 0;
    }

    /// <summary>Copies the bytes at <paramref name="offset"/> from the front into <paramref name="destination"/>.</summary>
    public void CopyOut(int offset, Span<byte> destination)
    {
        int at = (_head + offset) % Capacity;
        int first = Math.Min(destination.Length, Capacity - at);
        new ReadOnlySpan<byte>(_base + at, first).CopyTo(destination);
        if (first < destination.Length) new ReadOnlySpan<byte>(_base, destination.Length - first).CopyTo(destination[first..]);
    }
}
