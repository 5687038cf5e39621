namespace Multikernel.Urpc;

/// <summary>
/// The sending side of one dispatcher's bindings to its peers (a monitor's to the other monitors, a domain
/// dispatcher's to the domain's other dispatchers): a message goes straight into the peer's ring when there is
/// room and nothing older is waiting, otherwise into that peer's <see cref="UrpcBacklog"/>, which the owner
/// flushes from its run upcall and while it waits. Per-peer order is kept.
/// <para>Invariant: core-local; <see cref="Pending"/> is the sum of the peers' backlogs.</para>
/// </summary>
public sealed class UrpcOutbox
{
    readonly UrpcEndpoint?[] _peers;
    readonly UrpcBacklog?[] _backlogs;
    int _pending;

    /// <param name="peers">Endpoint to each peer by index; null for the owner's own index (and unconnected slots).</param>
    public UrpcOutbox(UrpcEndpoint?[] peers)
    {
        _peers = peers;
        _backlogs = new UrpcBacklog?[peers.Length];
    }

    /// <summary>Messages waiting for room in a peer's ring.</summary>
    public int Pending => _pending;

    /// <summary>Messages that ever had to wait in a backlog (a ring was full).</summary>
    public long EverBacklogged { get; private set; }

    public void Send(int to, byte type, ulong w0 = 0, ulong w1 = 0, ulong w2 = 0, ulong w3 = 0, ulong w4 = 0, ulong w5 = 0, ulong w6 = 0)
    {
        var ep = _peers[to] ?? throw new ArgumentException($"peer {to} is the sender itself or not connected", nameof(to));
        var backlog = _backlogs[to] ??= new UrpcBacklog();
        if (backlog.Send(ep.Outgoing, type, w0, w1, w2, w3, w4, w5, w6)) return;
        _pending++;
        EverBacklogged++;
    }

    /// <summary>Moves backlogged messages into rings that have room. Returns true if any moved.</summary>
    public bool Flush()
    {
        if (_pending == 0) return false;
        int moved = 0;
        for (int p = 0; p < _backlogs.Length; p++)
            if (_backlogs[p] is { Count: > 0 } b) moved += b.Flush(_peers[p]!.Outgoing);
        _pending -= moved;
        return moved > 0;
    }

    /// <summary>Drops everything not yet sent (teardown).</summary>
    public void Discard()
    {
        foreach (var b in _backlogs) b?.Clear();
        _pending = 0;
    }
}
