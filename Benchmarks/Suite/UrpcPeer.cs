using System.Runtime.CompilerServices;
using Multikernel.Hardware;
using Multikernel.Urpc;

namespace Benchmarks.Suite;

/// <summary>
/// The long-lived thread on the remote core: pinned there from inside itself, it polls its incoming ring and
/// answers as <see cref="PeerMessages"/> says, until told to stop. It never allocates in its loop.
/// <para>Invariant: the peer thread is the only user of the rings' peer ends (<see cref="PeerRings.PeerInbox"/>,
/// <see cref="PeerRings.PeerOutbox"/>); the benchmark thread uses the other two.</para>
/// </summary>
public sealed class UrpcPeer : IDisposable
{
    readonly PeerRings _rings;
    readonly Thread _thread;
    readonly int _core;
    volatile int _observedCpu = -1;
    Exception? _failure;

    public UrpcPeer(PeerRings rings, int core)
    {
        _rings = rings;
        _core = core;
        using var started = new ManualResetEventSlim();
        _thread = new Thread(() => Run(started)) { IsBackground = true, Name = $"urpc-peer@{core}" };
        _thread.Start();
        started.Wait();
        if (_failure != null) throw new InvalidOperationException($"the URPC peer thread could not start on core {core}: {_failure.Message}", _failure);
    }

    /// <summary>The CPU the peer thread reported (sched_getcpu) after pinning itself.</summary>
    public int ObservedCpu => _observedCpu;

    void Run(ManualResetEventSlim started)
    {
        try
        {
            CoreAffinity.PinCurrentThread(_core);
            _observedCpu = CoreAffinity.CurrentCpu();
        }
        catch (Exception e)
        {
            _failure = e;
            started.Set();
            return;
        }
        started.Set();
        Serve();
    }

    /// <summary>The polling loop; compiled fully optimized at once, as it runs for the peer's whole life (no OSR transition mid-run).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void Serve()
    {
        var inbox = _rings.PeerInbox;
        var outbox = _rings.PeerOutbox;
        while (true)
        {
            UrpcMessage m;
            while (!inbox.TryReceive(out m)) Poll.Pause();
            switch (m.Type)
            {
                case PeerMessages.Echo.TypeId:
                    outbox.Send(in m);
                    break;
                case PeerMessages.Stamp.TypeId:
                    ulong now = CycleClock.Now();
                    outbox.Send(new PeerMessages.Stamp(now - PeerMessages.Stamp.Decode(in m).Value));
                    break;
                case PeerMessages.Sink.TypeId:
                    break;
                case PeerMessages.Stop.TypeId:
                    return;
            }
        }
    }

    /// <summary>Stops the peer (sent by the benchmark thread, the ring's only sender) and joins it.</summary>
    public void Dispose()
    {
        if (!_thread.IsAlive) return;
        _rings.ToPeer.Send(new PeerMessages.Stop());
        if (!_thread.Join(TimeSpan.FromSeconds(10)))
            throw new InvalidOperationException($"the URPC peer thread on core {_core} did not stop within 10 s");
    }
}
