using Experiments.Common;
using Multikernel.CpuDriver;
using Multikernel.Hardware;
using Multikernel.Urpc;

namespace Fig1.SharedState;

/// <summary>
/// An MSGn client on the kernel's normal path: a dispatcher with its reply ring in its waitset. Once the host opens
/// its gate, its run upcall sends the first requests; from then on everything happens in the message upcall
/// (<see cref="OnReply"/>) the CPU driver makes for each reply: check it (<see cref="ReplyCheck"/>), send the next
/// request, and at the end of a batch start the next. Each repetition is a warm-up batch, then <c>iterations</c>
/// timed requests, one at a time (<c>window</c> = 1) or up to <c>window</c> in flight; the timed batch runs from
/// before its first request to the upcall of its last reply. While it measures the dispatcher reports local work,
/// so its core keeps polling rather than idling under the wait policy.
/// </summary>
public sealed class UpdateClient : Dispatcher
{
    readonly UrpcEndpoint _server;
    readonly SweepSize _size;
    readonly int _window;
    readonly DispatcherOutcome<ClientReport> _outcome;
    readonly double[] _cycles, _rate;
    readonly bool[] _disturbed;
    ReplyCheck _check;
    ulong _nextTag, _t0;
    long _switches;
    int _rep, _count, _sent, _received;
    bool _timedBatch, _started, _done;

    public UpdateClient(UrpcEndpoint server, SweepSize size, int window, DispatcherOutcome<ClientReport> outcome) : base("fig1-client")
    {
        UpdateProtocol.CheckWindow(window);
        _server = server;
        _size = size;
        _window = window;
        _outcome = outcome;
        _cycles = new double[size.Repetitions];
        _rate = new double[size.Repetitions];
        _disturbed = new bool[size.Repetitions];
    }

    protected internal override void OnStart() => Waitset.Add(_server.Receiver, OnReply);

    protected internal override bool HasLocalWork => _outcome.IsOpen && !_done;

    protected internal override bool Run()
    {
        if (_started || !_outcome.IsOpen) return false;
        _started = true;
        _check = new ReplyCheck($"{Name} on core {Driver.Core}");
        Begin(timed: false);
        return true;
    }

    /// <summary>The message upcall: check the reply, then keep the window full or end the batch.</summary>
    void OnReply(in UrpcMessage m)
    {
        if (_done) return;
        _check.Check(in m);
        if (++_received == _count) End();
        else if (_sent < _count) SendOne();
    }

    void SendOne()
    {
        _server.Sender.Send(new UpdateProtocol.Request(_nextTag++, !_timedBatch));
        _sent++;
    }

    void Begin(bool timed)
    {
        _outcome.Advance();
        _timedBatch = timed;
        _count = timed ? _size.Iterations : _size.Warmup;
        _sent = _received = 0;
        if (timed)
        {
            _switches = ContextSwitches.InvoluntaryOfThisThread();
            _t0 = CycleClock.Now();
        }
        if (_count == 0) { End(); return; }
        while (_sent < _count && _sent < _window) SendOne();
    }

    void End()
    {
        if (!_timedBatch)
        {
            Begin(timed: true);
            return;
        }
        ulong t1 = CycleClock.Now();
        _cycles[_rep] = (double)(t1 - _t0) / _size.Iterations;
        _rate[_rep] = _size.Iterations * CycleClock.Frequency / (t1 - _t0);
        _disturbed[_rep] = ContextSwitches.InvoluntaryOfThisThread() != _switches;
        if (++_rep < _size.Repetitions)
        {
            Begin(timed: false);
            return;
        }
        _done = true;
        _outcome.Succeed(new ClientReport
        {
            CyclesPerOp = _cycles, OpsPerSecond = _rate, Disturbed = _disturbed,
            Replies = _check.Replies, ReplyValueSum = _check.ValueSum, Failure = _check.Failure,
        });
    }
}
