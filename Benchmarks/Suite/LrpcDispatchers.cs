using Experiments.Common;
using Multikernel.CpuDriver;
using Multikernel.Hardware;
using Multikernel.Monitor;
using Multikernel.Urpc;

namespace Benchmarks.Suite;

/// <summary>
/// The LRPC caller, a dispatcher on the same core as <see cref="LrpcAddOneServer"/>. It listens on its end of a host
/// binding (made by its core's monitor) in its waitset; a <see cref="PeerMessages.LrpcBatch"/> from the benchmark
/// thread makes it call the server N times through the CPU driver's <see cref="LrpcBinding"/> and answer with
/// <see cref="PeerMessages.LrpcBatchDone"/> (the number of wrong results).
/// Only the LRPC calls run on the driver's core; the benchmark thread on another core just starts each batch.
/// </summary>
public sealed class LrpcBatchCaller : Dispatcher
{
    readonly LrpcAddOneServer _server;
    readonly UrpcEndpoint _host;
    LrpcBinding? _binding;

    /// <param name="host">The caller's end of the host binding: batch requests in, answers out.</param>
    public LrpcBatchCaller(LrpcAddOneServer server, UrpcEndpoint host) : base("bench-lrpc-caller")
    {
        _server = server;
        _host = host;
    }

    /// <summary>CPU the caller runs on (sched_getcpu in its start upcall); -1 before it started.</summary>
    public volatile int ObservedCpu = -1;

    protected internal override void OnStart()
    {
        _binding = MonitorDispatcher.On(Driver).BindLrpc(this, _server); // an Endpoint capability with the right to call, minted by the monitor
        Waitset.Add(_host.Receiver, OnRequest);
        ObservedCpu = CoreAffinity.CurrentCpu();
    }

    void OnRequest(in UrpcMessage request)
    {
        if (request.Type != PeerMessages.LrpcBatch.TypeId) throw new InvalidDataException($"LRPC batch caller: unexpected message type {request.Type}");
        ulong wrong = (ulong)LrpcAddOneServer.CallMany(_binding!, PeerMessages.LrpcBatch.Decode(in request).Calls);
        new BenchmarkSender(_host.Sender).Send(new PeerMessages.LrpcBatchDone(wrong));
    }
}
