using Multikernel.Urpc;

namespace Benchmarks.Suite;

/// <summary>
/// The two bare one-way URPC rings between the benchmark thread and its <see cref="UrpcPeer"/> (16 slots each, as the
/// kernel's default binding; memory placed by first touch). These microbenchmarks measure the ring itself between
/// two pinned threads with no CPU driver or monitor running, so they take the rings from the kernel's internal ring
/// hook (<c>UrpcRing.Allocate</c>, visible to this project as to the channel's own tests); every other user of URPC,
/// the LRPC-through-the-CPU-driver case here included, gets its channels by a bind through the monitors.
/// </summary>
public sealed class PeerRings : IDisposable
{
    readonly UrpcRing _toPeer, _fromPeer;

    public PeerRings(int slots)
    {
        _toPeer = UrpcRing.Allocate(slots);
        try { _fromPeer = UrpcRing.Allocate(slots); }
        catch { _toPeer.Dispose(); throw; }
    }

    /// <summary>Benchmark thread: sends to the peer.</summary>
    public BenchmarkSender ToPeer => new(_toPeer.Sender);
    /// <summary>Benchmark thread: receives the peer's answers.</summary>
    public UrpcReceiver FromPeer => _fromPeer.Receiver;
    /// <summary>Peer thread: receives.</summary>
    public UrpcReceiver PeerInbox => _toPeer.Receiver;
    /// <summary>Peer thread: answers.</summary>
    public BenchmarkSender PeerOutbox => new(_fromPeer.Sender);

    /// <summary>The ring into the peer, for the native loops of the mixed pairings (its state lives in its frame).</summary>
    internal UrpcRing ToPeerRing => _toPeer;
    /// <summary>The ring from the peer, for the native loops of the mixed pairings.</summary>
    internal UrpcRing FromPeerRing => _fromPeer;

    public void Dispose()
    {
        _toPeer.Dispose();
        _fromPeer.Dispose();
    }
}
