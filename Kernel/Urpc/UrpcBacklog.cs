namespace Multikernel.Urpc;

/// <summary>
/// Messages a sender could not put into one URPC ring yet because it was full. They go out, in order, before any
/// newer message to that ring, so a full ring delays a message but never drops or reorders one. The backlog grows
/// (rarely, outside the steady state) instead of blocking, so two cores sending to each other never both spin on
/// full rings (no send deadlock); in the steady state it allocates nothing.
/// <para>Invariant: owned by the sending core; non-empty only if a send found the ring full.</para>
/// </summary>
public sealed class UrpcBacklog
{
    struct Entry { public byte Type; public UrpcPayload Words; }

    Entry[] _ring = new Entry[64];
    int _head, _count;

    /// <summary>Messages waiting for room.</summary>
    public int Count => _count;

    /// <summary>Sends now if nothing is waiting and the ring has room; otherwise queues behind the waiting ones.
    /// Returns true if the message went straight into the ring.</summary>
    public bool Send(UrpcChannel channel, byte type, ulong w0 = 0, ulong w1 = 0, ulong w2 = 0, ulong w3 = 0, ulong w4 = 0, ulong w5 = 0, ulong w6 = 0)
    {
        if (_count == 0 && channel.TrySend(type, w0, w1, w2, w3, w4, w5, w6)) return true;
        if (_count == _ring.Length)
        {
            var bigger = new Entry[_ring.Length * 2];
            for (int i = 0; i < _count; i++) bigger[i] = _ring[(_head + i) % _ring.Length];
            _ring = bigger;
            _head = 0;
        }
        ref var e = ref _ring[(_head + _count) % _ring.Length];
        e.Type = type;
        e.Words[0] = w0; e.Words[1] = w1; e.Words[2] = w2; e.Words[3] = w3; e.Words[4] = w4; e.Words[5] = w5; e.Words[6] = w6;
        _count++;
        return false;
    }

    /// <summary>Sends as many waiting messages as the ring takes; returns how many went out.</summary>
    public int Flush(UrpcChannel channel)
    {
        int sent = 0;
        while (_count > 0)
        {
            ref var e = ref _ring[_head];
            if (!channel.TrySend(e.Type, e.Words[0], e.Words[1], e.Words[2], e.Words[3], e.Words[4], e.Words[5], e.Words[6])) break;
            _head = (_head + 1) % _ring.Length;
            _count--;
            sent++;
        }
        return sent;
    }

    /// <summary>Drops everything not yet sent (teardown).</summary>
    public void Clear()
    {
        _head = 0;
        _count = 0;
    }
}
