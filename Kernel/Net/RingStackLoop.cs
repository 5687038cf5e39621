using System.Diagnostics;
using Multikernel.Drivers;
using Multikernel.Net.Nic;
using Multikernel.Net.Stack;

namespace Multikernel.Net;

/// <summary>
/// The NIC driver and the network stack on one thread, in one loop: take a batch of frames from the receive ring,
/// hand each to the stack while it still lies in the ring and release it, let the application run, flush TCP output,
/// kick the transmit ring once, advance the stack's clock. This is the single-core arrangement (the baseline for
/// the multikernel one, where the driver and the stack are dispatchers on different cores and frames cross as
/// descriptors).
/// <para>Idle policy: after <see cref="SpinIterations"/> empty rounds the loop sleeps in poll(2) on the ring for up to
/// 1 ms (0 spins = always sleep when idle; a spinning loop needs a core of its own).</para>
/// <para>Ownership: the thread that calls <see cref="Run"/> or <see cref="RunOnce"/> owns the ring and the stack.</para>
/// </summary>
public sealed class RingStackLoop(PacketRing ring, NetStack stack)
{
    static readonly long TicksPerMicrosecond = Math.Max(1, Stopwatch.Frequency / 1_000_000);

    public PacketRing Ring { get; } = ring;
    public NetStack Stack { get; } = stack;
    /// <summary>Runs once per round on the loop's thread, after the received frames (the server or echo application).</summary>
    public Action<NetStack>? Application { get; init; }
    /// <summary>Frames taken per round at most, so that transmit and the application get their turn.</summary>
    public int Batch { get; init; } = 64;
    public int SpinIterations { get; init; } = 1000;
    /// <summary>Optional: measures this thread's allocations over a window of received frames.</summary>
    public AllocationProbe? Probe { get; init; }

    public long Rounds { get; private set; }
    public long Frames { get; private set; }

    /// <summary>Microseconds on the monotonic clock the loop feeds to the stack.</summary>
    public static long NowMicroseconds => Stopwatch.GetTimestamp() / TicksPerMicrosecond;

    /// <summary>One round; returns the frames it received.</summary>
    public int RunOnce()
    {
        Stack.Tick(NowMicroseconds);
        int n = 0;
        while (n < Batch && Ring.TryReceive(out RxFrame frame))
        {
            Stack.ReceiveFrame(Ring.Frame(frame), frame.Flags);
            Ring.Release(frame);
            n++;
        }
        Application?.Invoke(Stack);
        Stack.Flush();
        Ring.Kick();
        Rounds++;
        Frames += n;
        Probe?.Observe(Frames);
        return n;
    }

    /// <summary>Runs rounds until <paramref name="stop"/> is cancelled.</summary>
    public void Run(CancellationToken stop)
    {
        int idle = 0;
        while (!stop.IsCancellationRequested)
        {
            if (RunOnce() > 0 || Ring.KickNeeded) { idle = 0; continue; }
            if (++idle > SpinIterations)
            {
                Ring.WaitForFrames(1);
                idle = 0;
            }
        }
    }
}
