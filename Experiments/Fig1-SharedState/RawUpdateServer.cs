using Experiments.Common;
using Multikernel.Urpc;

namespace Fig1.SharedState;

/// <summary>
/// The MSGn-raw server: a dispatcher that owns the n shared lines (allocated on its own core) and, once the host
/// opens its gate, serves all clients from one run upcall on the raw channel ends, polling each client's request ring
/// in turn (a round), applying each request and replying, until it has served the planned number of requests. The
/// waitset and the CPU driver's dispatch are not on this path (compare <see cref="UpdateServer"/>).
/// <para>Server cost: <see cref="ServerCostMeter"/>, one TSC read at the end of each round.</para>
/// </summary>
public sealed unsafe class RawUpdateServer : GatedMeasurement<ServerReport>
{
    readonly UrpcEndpoint[] _clients;
    readonly int _lines;
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
        _lines = lines;
        _expected = expected;
        _batch = batch;
        _state = new SharedLines(lines, numaNode); // the constructor runs on the server's core: first touch is local
    }

    protected override void AfterMeasure() => _state.Dispose();

    protected override ServerReport Measure()
    {
        long served = 0;
        ulong valueSum = 0;
        long* lines = _state.Base;
        int n = _lines;
        var clients = _clients;
        var meter = new ServerCostMeter(_expected, _batch);
        var guard = new StallGuard();
        long switches = ContextSwitches.InvoluntaryOfThisThread();
        meter.Start();
        while (served < _expected)
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
            meter.EndRound(taken, timed);
            if (taken > 0)
            {
                served += taken;
                guard.Progress();
            }
            else
            {
                guard.Spin("client requests");
                PairLoops.Pause(); // as the C twin: a spin without it is at the mercy of code layout (README, "Three 2-core VMs")
            }
        }
        return new ServerReport
        {
            CyclesPerUpdate = meter.Samples(),
            Served = served,
            ReplyValueSum = valueSum,
            FinalLines = _state.Snapshot(),
            Descheduled = ContextSwitches.InvoluntaryOfThisThread() - switches,
        };
    }
}
