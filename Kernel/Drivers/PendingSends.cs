using Multikernel.Urpc;

namespace Multikernel.Drivers;

/// <summary>
/// Descriptor messages a dispatcher could not send yet because the URPC ring was full. They go out, in order, before
/// any newer message, so a full ring delays a descriptor but never drops or reorders one. Owner core only; grows
/// (rarely, outside the steady state) instead of blocking, so two dispatchers sending to each other cannot deadlock.
/// </summary>
public sealed class PendingSends
{
    struct Entry { public byte Type; public ulong W0, W1, W2, W3; }

    Entry[] _ring = new Entry[64];
    int _head, _count;

    public int Count => _count;

    /// <summary>Sends now if nothing is waiting and the ring has room; otherwise queues behind the waiting ones.</summary>
    public void Send(UrpcChannel channel, byte type, ulong w0, ulong w1, ulong w2, ulong w3 = 0)
    {
        if (_count == 0 && channel.TrySend(type, w0, w1, w2, w3)) return;
        if (_count == _ring.Length)
        {
            var bigger = new Entry[_ring.Length * 2];
            for (int i = 0; i < _count; i++) bigger[i] = _ring[(_head + i) % _ring.Length];
            _ring = bigger;
            _head = 0;
        }
        _ring[(_head + _count) % _ring.Length] = new Entry { Type = type, W0 = w0, W1 = w1, W2 = w2, W3 = w3 };
        _count++;
    }

    /// <summary>Sends as many waiting messages as the ring takes; returns how many went out.</summary>
    public int Flush(UrpcChannel channel)
    {
        int sent = 0;
        while (_count > 0)
        {
            ref var e = ref _ring[_head];
            if (!channel.TrySend(e.Type, e.W0, e.W1, e.W2, e.W3)) break;
            _head = (_head + 1) % _ring.Length;
            _count--;
            sent++;
        }
        return sent;
    }
}
