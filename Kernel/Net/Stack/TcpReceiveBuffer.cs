using System.Diagnostics;

namespace Multikernel.Net.Stack;

/// <summary>
/// A connection's receive side: a ring of <see cref="Capacity"/> bytes holding the bytes the application has not read
/// (from the read point up to <see cref="Next"/> = RCV.NXT) and, beyond them, out-of-order bytes already placed where
/// they belong. Out-of-order data is tracked as at most <see cref="MaxIntervals"/> sequence intervals; a segment that
/// would need another interval is dropped (the peer retransmits it), so memory never grows beyond the ring.
/// <para>Invariants: Unread + Window = Capacity; every interval lies within (Next, Next + Window]; intervals are
/// disjoint, not adjacent, and sorted. The right edge of the window (read point + Capacity) never moves left.</para>
/// </summary>
internal sealed unsafe class TcpReceiveBuffer
{
    public const int MaxIntervals = 4;

    readonly byte* _base;
    readonly uint[] _start = new uint[MaxIntervals];
    readonly uint[] _end = new uint[MaxIntervals];
    int _head;          // ring index of the first unread byte
    int _intervals;

    public int Capacity { get; }
    /// <summary>RCV.NXT: the next in-order sequence number expected.</summary>
    public uint Next { get; private set; }
    /// <summary>In-order bytes the application has not read yet.</summary>
    public int Unread { get; private set; }
    public int Window => Capacity - Unread;
    public bool HasOutOfOrder => _intervals > 0;

    public TcpReceiveBuffer(byte* memory, int capacity)
    {
        _base = memory;
        Capacity = capacity;
    }

    public void Reset(uint next)
    {
        Next = next;
        Unread = 0;
        _head = 0;
        _intervals = 0;
    }

    /// <summary>
    /// Places a segment's data that starts at sequence <paramref name="seq"/>: bytes before <see cref="Next"/> or beyond the
    /// window are cut off. Returns how far <see cref="Next"/> advanced (0 when the data was a duplicate or lies beyond a gap).
    /// </summary>
    public int Accept(uint seq, ReadOnlySpan<byte> data)
    {
        int rel = (int)(seq - Next);
        if (rel < 0)
        {
            if (-(long)rel >= data.Length) return 0;
            data = data[-rel..];
            rel = 0;
        }
        int window = Window;
        if (rel >= window || data.IsEmpty) return 0;
        int len = Math.Min(data.Length, window - rel);
        CopyIn(Unread + rel, data[..len]);
        if (rel > 0)
        {
            AddInterval(seq: Next + (uint)rel, end: Next + (uint)(rel + len));
            return 0;
        }
        int advance = len;
        // Absorb the out-of-order intervals that the new bytes reach.
        while (_intervals > 0 && (int)(_start[0] - Next) <= advance)
        {
            advance = Math.Max(advance, (int)(_end[0] - Next));
            RemoveFirstInterval();
        }
        Next += (uint)advance;
        Unread += advance;
        Debug.Assert(Unread <= Capacity);
        return advance;
    }

    void CopyIn(int offset, ReadOnlySpan<byte> data)
    {
        int at = (_head + offset) % Capacity;
        int first = Math.Min(data.Length, Capacity - at);
        data[..first].CopyTo(new Span<byte>(_base + at, first));
        if (first < data.Length) data[first..].CopyTo(new Span<byte>(_base, data.Length - first));
    }

    void AddInterval(uint seq, uint end)
    {
        // Merge with every interval it touches, then insert in order.
        int i = 0;
        while (i < _intervals)
        {
            if (SequenceNumber.Lt(_end[i], seq)) { i++; continue; }        // wholly before
            if (SequenceNumber.Gt(_start[i], end)) break;                   // wholly after: insert here
            seq = SequenceNumber.Lt(_start[i], seq) ? _start[i] : seq;     // overlapping or adjacent: absorb
            end = SequenceNumber.Gt(_end[i], end) ? _end[i] : end;
            RemoveInterval(i);
        }
        if (_intervals == MaxIntervals) return; // no room to remember it: the peer will send it again
        for (int k = _intervals; k > i; k--) { _start[k] = _start[k - 1]; _end[k] = _end[k - 1]; }
        _start[i] = seq;
        _end[i] = end;
        _intervals++;
    }

    void RemoveFirstInterval() => RemoveInterval(0);

    void RemoveInterval(int i)
    {
        for (int k = i; k < _intervals - 1; k++) { _start[k] = _start[k + 1]; _end[k] = _end[k + 1]; }
        _intervals--;
    }

    /// <summary>The unread bytes that lie contiguously in the ring from the read point (all of them unless they wrap).</summary>
    public ReadOnlySpan<byte> Peek() => new(_base + _head, Math.Min(Unread, Capacity - _head));

    /// <summary>Marks <paramref name="count"/> unread bytes as read.</summary>
    public void Consume(int count)
    {
        if ((uint)count > (uint)Unread) throw new ArgumentOutOfRangeException(nameof(count), count, $"only {Unread} bytes are unread");
        _head = (_head + count) % Capacity;
        Unread -= count;
        if (Unread == 0 && _intervals == 0) _head = 0; // keep the next bytes contiguous
    }

    /// <summary>Copies up to <paramref name="destination"/>.Length unread bytes out and consumes them.</summary>
    public int Read(Span<byte> destination)
    {
        int n = Math.Min(destination.Length, Unread);
        int first = Math.Min(n, Capacity - _head);
        new ReadOnlySpan<byte>(_base + _head, first).CopyTo(destination);
        if (first < n) new ReadOnlySpan<byte>(_base, n - first).CopyTo(destination[first..]);
        Consume(n);
        return n;
    }
}
