using System.Runtime.CompilerServices;
using Experiments.Common;
using Multikernel.Hardware;
using Multikernel.Urpc;

namespace Fig1.SharedState;

/// <summary>What the server did: its timing samples and the state it ended with.</summary>
public sealed class ServerReport
{
    /// <summary>Mean handler cycles per timed update, one sample per <c>iterations</c> timed updates.</summary>
    public required double[] HandlerCycles { get; init; }
    public required long Served { get; init; }
    /// <summary>Sum of the values the server put in its replies (w1).</summary>
    public required ulong ReplyValueSum { get; init; }
    /// <summary>Final value of every line.</summary>
    public required long[] FinalLines { get; init; }
    /// <summary>Times the OS descheduled the server's thread while it served (involuntary context switches).</summary>
    public required long Descheduled { get; init; }
}

/// <summary>
/// The MSG server: a dispatcher that owns the n shared lines (allocated on its own core) and applies every update
/// locally. Once the host opens its gate it serves all clients from one run upcall, polling each client's request
/// ring in turn, until it has served the planned number of requests.
/// <para>Per request it times the handler only (apply the update to all n lines, send the reply), not the time the
/// request waited in the ring: that is the paper's "Server" cost.</para>
/// </summary>
public sealed unsafe class UpdateServer : GatedMeasurement<ServerReport>
{
    readonly UrpcEndpoint[] _clients;
    readonly int _lines;
    readonly long _expected;
    readonly int _batch;
    readonly double[] _samples;
    readonly SharedLines _state;

    /// <param name="clients">The server's end of each client binding.</param>
    /// <param name="expected">Total requests all clients will send.</param>
    /// <param name="batch">Timed updates per handler-cost sample.</param>
    public UpdateServer(UrpcEndpoint[] clients, int lines, long expected, int batch, int numaNode, DispatcherOutcome<ServerReport> outcome)
        : base("fig1-server", outcome)
    {
        _clients = clients;
        _lines = lines;
        _expected = expected;
        _batch = batch;
        _samples = new double[(int)(expected / batch) + 1];
        _state = new SharedLines(lines, numaNode); // the constructor runs on the server's core: first touch is local
    }

    protected override void AfterMeasure() => _state.Dispose();

    protected override ServerReport Measure()
    {
        long served = 0;
        ulong valueSum = 0;
        int nSamples = 0;
        ulong acc = 0;
        int inBatch = 0;
        long* lines = _state.Base;
        var clients = _clients;
        var guard = new StallGuard();
        long switches = ContextSwitches.InvoluntaryOfThisThread();
        while (served < _expected)
        {
            bool any = false;
            for (int c = 0; c < clients.Length; c++)
            {
                if (!clients[c].Receiver.TryReceive(out UrpcMessage m)) continue;
                any = true;
                if (m.Type != UpdateProtocol.Request.TypeId) throw new InvalidDataException($"MSG server: unexpected message type {m.Type} from client {c}");
                var request = UpdateProtocol.Request.Decode(in m);
                ulong t0 = CycleClock.Now();
                ulong value = Apply(lines, _lines);
                clients[c].Sender.Send(new UpdateProtocol.Reply(request.Tag, value, (ulong)lines[(_lines - 1) * SharedLines.WordsPerLine]));
                ulong t1 = CycleClock.Now();
                served++;
                valueSum += value;
                if (!request.Warmup)
                {
                    acc += t1 - t0;
                    if (++inBatch == _batch)
                    {
                        _samples[nSamples++] = (double)acc / inBatch;
                        acc = 0;
                        inBatch = 0;
                    }
                }
            }
            if (any) guard.Progress();
            else guard.Spin("client requests");
        }
        var final = new long[_lines];
        for (int i = 0; i < _lines; i++) final[i] = _state[i];
        return new ServerReport
        {
            HandlerCycles = _samples.AsSpan(0, nSamples).ToArray(),
            Served = served,
            ReplyValueSum = valueSum,
            FinalLines = final,
            Descheduled = ContextSwitches.InvoluntaryOfThisThread() - switches,
        };
    }

    /// <summary>The update: increment every line (plain stores: only this core touches them). Returns line 0's new value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ulong Apply(long* lines, int n)
    {
        for (int j = 0; j < n; j++) lines[j * SharedLines.WordsPerLine]++;
        return (ulong)lines[0];
    }
}
