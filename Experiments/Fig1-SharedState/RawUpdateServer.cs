using Experiments.Common;
using Multikernel.Urpc;

namespace Fig1.SharedState;

/// <summary>
/// The MSGn-raw server: a dispatcher that owns the n shared lines (allocated on its own core) and, once the host
/// opens its gate, serves all clients from one run upcall on the raw channel ends, polling each client's request ring
/// in turn (a round), applying each request and replying, until it has served the planned number of requests. The
/// waitset and the CPU driver's dispatch are not on this path (compare <see cref="UpdateServer"/>).
/// <para>Server cost: <see cref="ServerCostMeter"/>, one ordered TSC read at the end of each round, after the round's pause
/// where it took nothing, so that a round that takes a request is timed from its own poll on.</para>
/// </summary>
public sealed unsafe class RawUpdateServer : GatedMeasurement<ServerReport>
{
    readonly UrpcEndpoint[] _clients;
    readonly long _expected;
    readonly int _batch;
    readonly SharedLines _state;

    /// <param name="clients">The server's end of each client binding.</param>
    /// <param name="expected">Total requests all clients will send.</param>
    /// <param name="batch">Timed updates per server-cost sample.</param>
    public RawUpdateServer(UrpcEndpoint[] clients, int lines, long expected, int batch, int numaNode, DispatcherOutcome<ServerReport> outcome)
        : base("fig1-raw-server", outcome)
    {
        _clients = clients;
        _expected = expected;
        _batch = batch;
        _state = new SharedLines(lines, numaNode); // the constructor runs on the server's core: first touch is local
    }

    protected override void AfterMeasure() => _state.Dispose();

    protected override ServerReport Measure() => Serve<TscPolling>(_clients, _state, _expected, _batch);

    /// <summary>
    /// The server's loop, on the calling thread, until it has served <paramref name="expected"/> requests on
    /// <paramref name="clients"/>' request rings, updating <paramref name="state"/>; <typeparamref name="TPolling"/>
    /// gives the clock and the wait after an empty round (<see cref="TscPolling"/> in a run).
    /// </summary>
    internal static ServerReport Serve<TPolling>(UrpcEndpoint[] clients, SharedLines state, long expected, int batch) where TPolling : struct, IServerPolling
    {
        long served = 0;
        ulong valueSum = 0;
        long* lines = state.Base;
        int n = state.Count;
        var meter = new ServerCostMeter(expected, batch);
        var guard = new StallGuard();
        long switches = ContextSwitches.InvoluntaryOfThisThread();
        meter.Start(TPolling.Now());
        while (served < expected)
        {
            int taken = 0, timed = 0;
            for (int c = 0; c < clients.Length; c++)
            {
                if (!clients[c].Receiver.TryReceive(out UrpcMessage m)) continue;
                if (m.Type != UpdateProtocol.Request.TypeId) throw new InvalidDataException($"MSG server: unexpected message type {m.Type} from client {c}");
                var request = UpdateProtocol.Request.Decode(in m);
                ulong value = UpdateServer.Apply(lines, n);
                clients[c].Sender.Send(new UpdateProtocol.Reply(request.Tag, value, (ulong)lines[(n - 1) * SharedLines.WordsPerLine]));
                valueSum += value;
                taken++;
                if (!request.Warmup) timed++;
            }
            if (taken > 0)
            {
                served += taken;
                guard.Progress();
            }
            else
            {
                guard.Spin("client requests");
                TPolling.Idle(); // as the C twin: a spin without a pause is at the mercy of code layout (README, "Three 2-core VMs")
            }
            // The round's end, after its pause if it took nothing: that wait is not the next round's cost.
            meter.EndRound(taken, timed, TPolling.Now());
        }
        return new ServerReport
        {
            CyclesPerUpdate = meter.Samples(),
            Served = served,
            ReplyValueSum = valueSum,
            FinalLines = state.Snapshot(),
            Descheduled = ContextSwitches.InvoluntaryOfThisThread() - switches,
        };
    }
}
