using Multikernel.Urpc;

namespace Multikernel.Domains;

/// <summary>
/// The sending side of one dispatcher's bindings to its peers: a message goes straight into the peer's ring when
/// there is room and nothing older is waiting, otherwise into a local per-peer backlog that the dispatcher flushes
/// from its run upcall and while it waits. A dispatcher therefore never spins on a full ring while its peer spins
/// on one of its own (no send deadlock), and per-peer order is kept.
/// <para>Invariant: core-local; the backlog of a peer is non-empty only if a send to it found the ring full.</para>
/// </summary>
sealed class Outbox
{
    readonly UrpcEndpoint?[] _peers;
    readonly Queue<(byte Type, UrpcPayload Words)>?[] _backlog;
    int _pending;

    public Outbox(UrpcEndpoint?[] peers)
    {
        _peers = peers;
        _backlog = new Queue<(byte, UrpcPayload)>?[peers.Length];
    }

    /// <summary>Messages waiting for room in a peer's ring.</summary>
    public int Pending => _pending;

    /// <summary>Messages that ever had to wait in the backlog (a ring was full).</summary>
    public long EverBacklogged { get; private set; }

    public void Send(int to, byte type, ulong w0 = 0, ulong w1 = 0, ulong w2 = 0, ulong w3 = 0, ulong w4 = 0)
    {
        var ep = _peers[to] ?? throw new ArgumentException($"dispatcher {to} is this dispatcher or not a peer", nameof(to));
        var q = _backlog[to];
        if ((q == null || q.Count == 0) && ep.TrySend(type, w0, w1, w2, w3, w4)) return;
        UrpcPayload words = default;
        words[0] = w0; words[1] = w1; words[2] = w2; words[3] = w3; words[4] = w4;
        (_backlog[to] ??= new()).Enqueue((type, words));
        _pending++;
        EverBacklogged++;
    }

    /// <summary>Moves backlogged messages into rings that have room. Returns true if any moved.</summary>
    public bool Flush()
    {
        if (_pending == 0) return false;
        bool progress = false;
        for (int p = 0; p < _backlog.Length; p++)
        {
            var q = _backlog[p];
            if (q == null) continue;
            while (q.Count > 0)
            {
                var (type, w) = q.Peek();
                if (!_peers[p]!.TrySend(type, w[0], w[1], w[2], w[3], w[4], w[5], w[6])) break;
                q.Dequeue();
                _pending--;
                progress = true;
            }
        }
        return progress;
    }

    /// <summary>Drops everything not yet sent (teardown).</summary>
    public void Discard()
    {
        foreach (var q in _backlog) q?.Clear();
        _pending = 0;
    }
}
