using System.Runtime.CompilerServices;
using Multikernel.Hardware;
using Multikernel.Urpc;

namespace Benchmarks.Suite;

/// <summary>Message types the benchmark thread sends to its <see cref="UrpcPeer"/>.</summary>
public static class PeerMessage
{
    /// <summary>Answered with the same payload.</summary>
    public const byte Echo = 1;
    /// <summary>Word 0 carries the sender's TSC; answered with (peer's TSC at receipt - word 0) in word 0.</summary>
    public const byte Stamp = 2;
    /// <summary>Consumed without an answer (pipelined throughput).</summary>
    public const byte Sink = 3;
    /// <summary>Ends the peer loop.</summary>
    public const byte Stop = 4;
}

/// <summary>
/// The long-lived thread on the remote core: pinned there from inside itself, it polls its incoming ring and
/// answers as <see cref="PeerMessage"/> says, until told to stop. It never allocates in its loop.
/// <para>Invariant: the peer thread is the only receiver of <c>toPeer</c> and the only sender of <c>fromPeer</c>.</para>
/// </summary>
public sealed class UrpcPeer : IDisposable
{
    readonly UrpcChannel _toPeer, _fromPeer;
    readonly Thread _thread;
    readonly int _core;
    volatile int _observedCpu = -1;
    Exception? _failure;

    public UrpcPeer(UrpcChannel toPeer, UrpcChannel fromPeer, int core)
    {
        _toPeer = toPeer;
        _fromPeer = fromPeer;
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
        var inbox = _toPeer;
        var outbox = _fromPeer;
        while (true)
        {
            UrpcMessage m;
            while (!inbox.TryReceive(out m)) Poll.Pause();
            switch (m.Type)
            {
                case PeerMessage.Echo:
                    outbox.Send(PeerMessage.Echo, m[0], m[1], m[2], m[3], m[4], m[5], m[6]);
                    break;
                case PeerMessage.Stamp:
                    ulong now = CycleClock.Now();
                    outbox.Send(PeerMessage.Stamp, now - m[0], m[1], m[2], m[3], m[4], m[5], m[6]);
                    break;
                case PeerMessage.Sink:
                    break;
                case PeerMessage.Stop:
                    return;
            }
        }
    }

    /// <summary>Stops the peer (sent by the benchmark thread, the ring's only sender) and joins it.</summary>
    public void Dispose()
    {
        if (!_thread.IsAlive) return;
        _toPeer.Send(PeerMessage.Stop);
        if (!_thread.Join(TimeSpan.FromSeconds(10)))
            throw new InvalidOperationException($"the URPC peer thread on core {_core} did not stop within 10 s");
    }
}

/// <summary>The pause between empty polls, the same instruction the native reference uses (<c>_mm_pause</c>).</summary>
public static class Poll
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Pause()
    {
        if (System.Runtime.Intrinsics.X86.X86Base.IsSupported) System.Runtime.Intrinsics.X86.X86Base.Pause();
        else Thread.SpinWait(1);
    }
}
