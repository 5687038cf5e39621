using System.Diagnostics;

namespace Multikernel.Urpc;

/// <summary>
/// Messages a sender could not put into one URPC ring yet because it was full. They go out, in order, before any
/// newer message to that ring, so a full ring delays a message but never drops or reorders one. The backlog grows
/// (rarely, outside the steady state) instead of blocking, so two cores sending to each other never both spin on
/// full rings (no send deadlock); in the steady state it allocates nothing.
/// <para>Invariants: owned by the sending core; non-empty only if a send found the ring full;
/// 0 ≤ <see cref="Count"/> ≤ capacity and the head index lies inside the ring (checked in Debug builds).</para>
/// </summary>
public sealed class UrpcBacklog
{
    UrpcMessage[] _ring = new UrpcMessage[64];
    int _head, _count;

    /// <summary>Messages waiting for room.</summary>
    public int Count => _count;

    /// <summary>Sends now if nothing is waiting and the ring has room; otherwise queues behind the waiting ones.
    /// Returns true if the message went straight into the ring.</summary>
    public bool Send<T>(UrpcSender sender, in T message) where T : struct, IUrpcMessage<T>
    {
        if (_count == 0 && sender.TrySend(in message)) return true;
        Enqueue(UrpcMessage.From(in message));
        return false;
    }

    /// <summary>As <see cref="Send{T}"/>, for a message already in its raw form.</summary>
    public bool Send(UrpcSender sender, in UrpcMessage message)
    {
        if (_count == 0 && sender.TrySend(in message)) return true;
        Enqueue(in message);
        return false;
    }

    void Enqueue(in UrpcMessage message)
    {
        if (_count == _ring.Length)
        {
            var bigger = new UrpcMessage[_ring.Length * 2];
            for (int i = 0; i < _count; i++) bigger[i] = _ring[(_head + i) % _ring.Length];
            _ring = bigger;
            _head = 0;
        }
        _ring[(_head + _count) % _ring.Length] = message;
        _count++;
        AssertInvariants();
    }

    /// <summary>Sends as many waiting messages as the ring takes; returns how many went out.</summary>
    public int Flush(UrpcSender sender)
    {
        int sent = 0;
        while (_count > 0)
        {
            if (!sender.TrySend(in _ring[_head])) break;
            _head = (_head + 1) % _ring.Length;
            _count--;
            sent++;
        }
        AssertInvariants();
        return sent;
    }

    /// <summary>
    /// Drops everything not yet sent (teardown), handing each message, oldest first, to <paramref name="dropped"/> if
    /// given (a message may name an object by handle, <see cref="ObjectHandle"/>, that only its receiver would free).
    /// </summary>
    public void Clear(UrpcHandler? dropped = null)
    {
        if (dropped != null)
            for (int i = 0; i < _count; i++) dropped(in _ring[(_head + i) % _ring.Length]);
        _head = 0;
        _count = 0;
    }

    [Conditional("DEBUG")]
    void AssertInvariants() =>
        Debug.Assert(_count >= 0 && _count <= _ring.Length && (uint)_head < (uint)_ring.Length, $"URPC backlog: {_count} queued, head {_head}, capacity {_ring.Length}");
}
