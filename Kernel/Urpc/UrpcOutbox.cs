using System.Diagnostics;

namespace Multikernel.Urpc;

/// <summary>
/// The sending side of one dispatcher's bindings to its peers (a monitor's to the other monitors, a domain
/// dispatcher's to the domain's other dispatchers): a message goes straight into the peer's ring when there is
/// room and nothing older is waiting, otherwise into that peer's <see cref="UrpcBacklog"/>, which the owner
/// flushes from its run upcall and while it waits. Per-peer order is kept.
/// <para>Invariant: core-local; <see cref="Pending"/> is the sum of the peers' backlogs (checked in Debug builds); a
/// closed peer's backlog is empty.</para>
/// </summary>
public sealed class UrpcOutbox
{
    readonly UrpcSender?[] _peers;
    readonly UrpcBacklog?[] _backlogs;
    UrpcHandler?[]? _closed; // per peer: closed (its core faulted) with this drop handler; the array made by the first Close
    int _pending;

    /// <param name="peers">The sender into each peer by index; null for the owner's own index (and unconnected slots).</param>
    public UrpcOutbox(UrpcSender?[] peers)
    {
        _peers = peers;
        _backlogs = new UrpcBacklog?[peers.Length];
    }

    /// <summary>Messages waiting for room in a peer's ring.</summary>
    public int Pending => _pending;

    /// <summary>Messages that ever had to wait in a backlog (a ring was full).</summary>
    public long EverBacklogged { get; private set; }

    public void Send<T>(int to, in T message) where T : struct, IUrpcMessage<T>
    {
        var backlog = BacklogOf(to, out var sender);
        if (backlog.Send(sender, in message)) return;
        Backlogged(to, backlog);
    }

    /// <summary>Sends a message in its raw form (e.g. one being forwarded).</summary>
    public void Send(int to, in UrpcMessage message)
    {
        var backlog = BacklogOf(to, out var sender);
        if (backlog.Send(sender, in message)) return;
        Backlogged(to, backlog);
    }

    UrpcBacklog BacklogOf(int to, out UrpcSender sender)
    {
        sender = _peers[to] ?? throw new ArgumentException($"peer {to} is the sender itself or not connected", nameof(to));
        return _backlogs[to] ??= new UrpcBacklog();
    }

    /// <summary>A message to <paramref name="to"/> found its ring full and waits in <paramref name="backlog"/>; to a closed
    /// peer it is dropped at once instead (only this slow path looks: a message that fits still goes into the ring).</summary>
    void Backlogged(int to, UrpcBacklog backlog)
    {
        if (_closed?[to] is { } dropped)
        {
            backlog.Clear(dropped);
            AssertInvariants();
            return;
        }
        _pending++;
        EverBacklogged++;
        AssertInvariants();
    }

    /// <summary>Moves backlogged messages into rings that have room. Returns true if any moved.</summary>
    public bool Flush()
    {
        if (_pending == 0) return false;
        int moved = 0;
        for (int p = 0; p < _backlogs.Length; p++)
            if (_backlogs[p] is { Count: > 0 } b) moved += b.Flush(_peers[p]!);
        _pending -= moved;
        AssertInvariants();
        return moved > 0;
    }

    /// <summary>
    /// Drops everything not yet sent (teardown), handing each message to <paramref name="dropped"/> if given, with the
    /// peer it was for (a message may name an object by handle, <see cref="ObjectHandle"/>, that only its receiver would free).
    /// </summary>
    public void Discard(UrpcPeerHandler? dropped = null)
    {
        for (int p = 0; p < _backlogs.Length; p++)
        {
            if (_backlogs[p] is not { } b) continue;
            if (dropped == null) b.Clear();
            else
            {
                int peer = p;
                b.Clear((in UrpcMessage m) => dropped(peer, in m));
            }
        }
        _pending = 0;
    }

    /// <summary>
    /// Drops what waits for room in peer <paramref name="peer"/>'s ring, handing each message to <paramref name="dropped"/>
    /// if given. Later sends to it are queued as before (<see cref="Close"/> drops them too).
    /// </summary>
    public void Discard(int peer, UrpcHandler? dropped = null)
    {
        if (_backlogs[peer] is not { Count: > 0 } b) return;
        _pending -= b.Count;
        b.Clear(dropped);
        AssertInvariants();
    }

    /// <summary>
    /// Peer <paramref name="peer"/> will never read its ring again (its core faulted): drops what waits for room there,
    /// and from now on every message to it that would have to wait, handing each to <paramref name="dropped"/>, so that
    /// no backlog to it keeps <see cref="Pending"/> above zero (and its owner's core polling) for ever.
    /// </summary>
    public void Close(int peer, UrpcHandler dropped)
    {
        ArgumentNullException.ThrowIfNull(dropped);
        (_closed ??= new UrpcHandler?[_peers.Length])[peer] = dropped;
        Discard(peer, dropped);
    }

    [Conditional("DEBUG")]
    void AssertInvariants()
    {
        int sum = 0;
        for (int p = 0; p < _backlogs.Length; p++)
        {
            int count = _backlogs[p]?.Count ?? 0;
            Debug.Assert(count == 0 || _closed?[p] == null, $"URPC outbox: {count} messages wait for closed peer {p}");
            sum += count;
        }
        Debug.Assert(sum == _pending, $"URPC outbox: {_pending} pending but the backlogs hold {sum}");
    }
}
