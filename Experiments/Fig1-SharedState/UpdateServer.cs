using System.Runtime.CompilerServices;
using Experiments.Common;
using Multikernel.CpuDriver;
using Multikernel.Urpc;

namespace Fig1.SharedState;

/// <summary>
/// The MSGn server on the kernel's normal path: a dispatcher that owns the n shared lines (allocated on its own core)
/// and has every client's request ring in its waitset. The CPU driver polls the waitset each round and upcalls
/// <see cref="OnRequest"/> for each request taken, which applies the update and sends the reply. Once the host opens
/// its gate the dispatcher reports local work until it has served the planned number of requests, so its core keeps
/// polling rather than idling under the wait policy.
/// <para>Server cost: <see cref="ServerCostMeter"/>, read in the run upcall, which the CPU driver makes right after
/// polling this dispatcher's waitset: a round's cost therefore includes the CPU driver's round (its local-work check
/// after an empty round, and on a <see cref="CpuDriverThread.BlockedVisitInterval"/>-th round at least a
/// <see cref="CpuDriverThread.BlockedVisitSlice"/> after the last such visit its visits of the core's blocked
/// dispatchers, the monitor and the memory server) and this waitset's poll as well as the receive (its
/// cache miss included), the update and the reply.</para>
/// </summary>
public sealed unsafe class UpdateServer : Dispatcher
{
    readonly UrpcEndpoint[] _clients;
    readonly int _lines;
    readonly long _expected;
    readonly SharedLines _state;
    readonly DispatcherOutcome<ServerReport> _outcome;
    ServerCostMeter _meter;
    long _served, _switches;
    ulong _valueSum;
    int _taken, _timed;
    bool _started, _done;

    /// <param name="clients">The server's end of each client binding.</param>
    /// <param name="expected">Total requests all clients will send.</param>
    /// <param name="batch">Timed updates per server-cost sample.</param>
    public UpdateServer(UrpcEndpoint[] clients, int lines, long expected, int batch, int numaNode, DispatcherOutcome<ServerReport> outcome)
        : base("fig1-server")
    {
        _clients = clients;
        _lines = lines;
        _expected = expected;
        _outcome = outcome;
        _meter = new ServerCostMeter(expected, batch);
        _state = new SharedLines(lines, numaNode); // the constructor runs on the server's core: first touch is local
    }

    /// <summary>Requests served so far, for the host's stall bound (read from another thread: only a change is looked for).</summary>
    internal long Served => Volatile.Read(ref _served);

    protected internal override void OnStart() => Waitset.AddPeers(_clients, OnRequest);

    protected internal override bool HasLocalWork => _outcome.IsOpen && !_done;

    /// <summary>The message upcall: apply the update to every line, reply with the state it produced.</summary>
    void OnRequest(int from, in UrpcMessage m)
    {
        if (_done) return;
        if (m.Type != UpdateProtocol.Request.TypeId)
        {
            FailUnexpected(from, m.Type);
            return;
        }
        var request = UpdateProtocol.Request.Decode(in m);
        long* lines = _state.Base;
        ulong value = Apply(lines, _lines);
        _clients[from].Sender.Send(new UpdateProtocol.Reply(request.Tag, value, (ulong)lines[(_lines - 1) * SharedLines.WordsPerLine]));
        _valueSum += value;
        _served++;
        _taken++;
        if (!request.Warmup) _timed++;
    }

    protected internal override bool Run()
    {
        if (_done || !_outcome.IsOpen) return false;
        if (!_started)
        {
            _started = true;
            _switches = ContextSwitches.InvoluntaryOfThisThread();
            _meter.Start();
            _taken = _timed = 0;
            return true;
        }
        _meter.EndRound(_taken, _timed);
        _taken = _timed = 0;
        if (_served >= _expected) Finish(null);
        return false;
    }

    /// <summary>The cold path out of the upcall, so that its message formatting adds nothing to the upcall's frame.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    void FailUnexpected(int from, byte type) => Finish(new InvalidDataException($"MSG server: unexpected message type {type} from client {from}"));

    void Finish(Exception? failure)
    {
        _done = true;
        if (failure != null) _outcome.Fail(failure);
        else
            _outcome.Succeed(new ServerReport
            {
                CyclesPerUpdate = _meter.Samples(),
                Served = _served,
                ReplyValueSum = _valueSum,
                FinalLines = _state.Snapshot(),
                Descheduled = ContextSwitches.InvoluntaryOfThisThread() - _switches,
            });
        _state.Dispose();
    }

    /// <summary>The update: increment every line (plain stores: only this core touches them). Returns line 0's new value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Apply(long* lines, int n)
    {
        for (int j = 0; j < n; j++) lines[j * SharedLines.WordsPerLine]++;
        return (ulong)lines[0];
    }
}
