using System.Runtime.CompilerServices;
using Experiments.Common;
using Multikernel.Hardware;
using Multikernel.Urpc;

namespace Fig1.SharedState;

/// <summary>What one client saw: its timing samples and what its replies said.</summary>
public sealed class ClientReport
{
    /// <summary>Client cycles per completed update in each repetition (round trip when synchronous).</summary>
    public required double[] CyclesPerOp { get; init; }
    /// <summary>Updates per second this client completed in each repetition.</summary>
    public required double[] OpsPerSecond { get; init; }
    /// <summary>Per repetition: was this client descheduled by the OS during the timed phase.</summary>
    public required bool[] Disturbed { get; init; }
    public required long Replies { get; init; }
    /// <summary>Sum of the applied values (w1) over all replies.</summary>
    public required ulong ReplyValueSum { get; init; }
    /// <summary>First inconsistency seen in a reply (wrong tag, lines disagreeing, value not increasing), or null.</summary>
    public string? Failure { get; init; }
}

/// <summary>
/// An MSG client: a dispatcher that, once the host opens its gate, runs its whole measurement in one run upcall.
/// Each repetition sends warm-up requests, then <c>iterations</c> timed ones, either one at a time (wait for each
/// reply: <c>window</c> = 1) or keeping up to <c>window</c> requests in flight (pipelined).
/// <para>Every reply is checked: it answers the oldest outstanding request (replies come back in order on a FIFO
/// ring), the first and last line carry the same value (the server applied the update to all n lines), and the value
/// grows from reply to reply (the server serialises updates).</para>
/// </summary>
public sealed class UpdateClient : GatedMeasurement<ClientReport>
{
    readonly UrpcEndpoint _server;
    readonly SweepSize _size;
    readonly int _window;

    ulong _nextTag, _nextReplyTag, _lastValue, _valueSum;
    long _replies;
    string? _failure;

    public UpdateClient(UrpcEndpoint server, SweepSize size, int window, DispatcherOutcome<ClientReport> outcome) : base("fig1-client", outcome)
    {
        if (window < 1 || window > UpdateProtocol.MaxWindow)
            throw new ArgumentOutOfRangeException(nameof(window), window, $"window must be 1..{UpdateProtocol.MaxWindow}");
        _server = server;
        _size = size;
        _window = window;
    }

    protected override ClientReport Measure()
    {
        var cycles = new double[_size.Repetitions];
        var rate = new double[_size.Repetitions];
        var disturbed = new bool[_size.Repetitions];
        for (int r = 0; r < _size.Repetitions; r++)
        {
            Batch(_size.Warmup, warmup: true);
            long switches = ContextSwitches.InvoluntaryOfThisThread();
            ulong t0 = CycleClock.Now();
            Batch(_size.Iterations, warmup: false);
            ulong t1 = CycleClock.Now();
            cycles[r] = (double)(t1 - t0) / _size.Iterations;
            rate[r] = _size.Iterations * CycleClock.Frequency / (t1 - t0);
            disturbed[r] = ContextSwitches.InvoluntaryOfThisThread() != switches;
        }
        return new ClientReport { CyclesPerOp = cycles, OpsPerSecond = rate, Disturbed = disturbed, Replies = _replies, ReplyValueSum = _valueSum, Failure = _failure };
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    void Batch(int count, bool warmup)
    {
        var guard = new StallGuard();
        int sent = 0, received = 0;
        while (received < count)
        {
            while (sent < count && sent - received < _window)
            {
                _server.Sender.Send(new UpdateProtocol.Request(_nextTag++, warmup));
                sent++;
            }
            if (_server.Receiver.TryReceive(out UrpcMessage m))
            {
                Check(in m);
                received++;
                guard.Progress();
            }
            else guard.Spin("a reply from the server");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    void Check(in UrpcMessage m)
    {
        if (m.Type != UpdateProtocol.Reply.TypeId) { NoteFailure(in m); return; }
        var reply = UpdateProtocol.Reply.Decode(in m);
        ulong value = reply.FirstLine;
        if (reply.Tag != _nextReplyTag || reply.LastLine != value || value <= _lastValue)
            NoteFailure(in m);
        _nextReplyTag++;
        _lastValue = value;
        _valueSum += value;
        _replies++;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    void NoteFailure(in UrpcMessage m) =>
        _failure ??= $"{Name} on core {Driver.Core}: reply type {m.Type} tag {m[0]} (expected {_nextReplyTag}), first line {m[1]}, last line {m[2]}, previous value {_lastValue}";
}
