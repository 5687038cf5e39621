using System.Runtime.CompilerServices;
using Experiments.Common;
using Multikernel.Hardware;
using Multikernel.Urpc;

namespace Fig1.SharedState;

/// <summary>
/// An MSGn-raw client: a dispatcher that, once the host opens its gate, runs its whole measurement in one run upcall
/// on its raw channel ends. Each repetition sends warm-up requests, then <c>iterations</c> timed ones, either one at
/// a time (wait for each reply: <c>window</c> = 1) or keeping up to <c>window</c> requests in flight (pipelined),
/// spinning on its reply ring in between. Every reply is checked (<see cref="ReplyCheck"/>).
/// </summary>
public sealed class RawUpdateClient : GatedMeasurement<ClientReport>
{
    readonly UrpcEndpoint _server;
    readonly SweepSize _size;
    readonly int _window;
    readonly DispatcherOutcome<ClientReport> _outcome;

    ulong _nextTag;
    ReplyCheck _check;

    public RawUpdateClient(UrpcEndpoint server, SweepSize size, int window, DispatcherOutcome<ClientReport> outcome) : base("fig1-raw-client", outcome)
    {
        UpdateProtocol.CheckWindow(window);
        _server = server;
        _size = size;
        _window = window;
        _outcome = outcome;
    }

    protected override ClientReport Measure()
    {
        _check = new ReplyCheck($"{Name} on core {Driver.Core}");
        var cycles = new double[_size.Repetitions];
        var rate = new double[_size.Repetitions];
        var disturbed = new bool[_size.Repetitions];
        for (int r = 0; r < _size.Repetitions; r++)
        {
            Batch(_size.Warmup, warmup: true);
            _outcome.Advance();
            long switches = ContextSwitches.InvoluntaryOfThisThread();
            ulong t0 = CycleClock.Now();
            Batch(_size.Iterations, warmup: false);
            ulong t1 = CycleClock.Now();
            cycles[r] = (double)(t1 - t0) / _size.Iterations;
            rate[r] = _size.Iterations * CycleClock.Frequency / (t1 - t0);
            disturbed[r] = ContextSwitches.InvoluntaryOfThisThread() != switches;
            _outcome.Advance();
        }
        return new ClientReport { CyclesPerOp = cycles, OpsPerSecond = rate, Disturbed = disturbed, Replies = _check.Replies, ReplyValueSum = _check.ValueSum, Failure = _check.Failure };
    }

    /// <summary>
    /// One batch. The tag counter and the reply check live in locals while it runs and go back to the object after it,
    /// as the C twin keeps them on its thread's stack: the client writes them on every request and reply, and a field
    /// of this object may share a cache line with an object the server reads on every poll (both on the GC heap).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    void Batch(int count, bool warmup)
    {
        var guard = new StallGuard();
        var sender = _server.Sender;
        var receiver = _server.Receiver;
        ulong tag = _nextTag;
        var check = _check;
        int sent = 0, received = 0;
        while (received < count)
        {
            while (sent < count && sent - received < _window)
            {
                sender.Send(new UpdateProtocol.Request(tag++, warmup));
                sent++;
            }
            if (receiver.TryReceive(out UrpcMessage m))
            {
                check.Check(in m);
                received++;
                guard.Progress();
            }
            else
            {
                guard.Spin("a reply from the server");
                PairLoops.Pause();
            }
        }
        _nextTag = tag;
        _check = check;
    }
}
