using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using Multikernel;
using Multikernel.Hardware;
using Multikernel.Urpc;

namespace Benchmarks.Suite;

/// <summary>
/// The URPC benchmarks (paper Tables 1-3): round trip, one-way latency and pipelined throughput between two pinned
/// cores, and same-core LRPC. The benchmark thread pins itself to <see cref="BenchmarkCores.Local"/> in
/// GlobalSetup (BenchmarkDotNet runs GlobalSetup, the workload and GlobalCleanup of one case on the same thread in
/// the in-process toolchain; each invocation checks that and <see cref="Placement"/> reports it); a long-lived
/// <see cref="UrpcPeer"/> thread pinned to <see cref="BenchmarkCores.Remote"/> answers. The job sets no
/// affinity of its own, so BenchmarkDotNet never overrides the pinning.
/// <para>Every method loops many messages per invocation (OperationsPerInvoke), so one BenchmarkDotNet operation is
/// one round trip / one message / one call, and the harness's own call overhead is amortised away.
/// The loops allocate nothing (the memory diagnoser shows it).</para>
/// <para>The measured methods are compiled fully optimized on first call (AggressiveOptimization): with the short CI
/// profile's brief warm-up, tiered compilation otherwise promotes them mid-measurement, and the first iterations of a
/// process ran unoptimized code (seen as 150 ns vs 9 ns per LRPC call within one run).</para>
/// </summary>
public class UrpcBenchmarks
{
    public const int RoundTripsPerInvoke = 1000;
    public const int MessagesPerInvoke = 4096;
    public const int CallsPerInvoke = 1000;
    public const int DriverLrpcCallsPerInvoke = 4096;
    /// <summary>Ring size, as in the paper's and the kernel's default binding.</summary>
    public const int Slots = 16;

    UrpcChannel _toPeer = null!, _fromPeer = null!;
    UrpcPeer? _peer;
    UrpcBinding? _lrpc;
    MultikernelSystem? _mk;
    UrpcChannel? _lrpcRequests, _lrpcReplies;
    UrpcChannel _lrpcCall = null!, _lrpcReply = null!;
    int _pinnedThreadId;
    bool _ranOnOtherThread;
    string _case = "";
    ulong _stampCount;
    ulong[] _stamps = [];

    void SetUp(string benchmark, bool needsPeer)
    {
        _case = benchmark;
        var cores = BenchmarkCores.Resolve();
        CoreAffinity.PinCurrentThread(cores.Local);
        _pinnedThreadId = Environment.CurrentManagedThreadId;
        _ranOnOtherThread = false;
        int peerCpu = -1;
        if (needsPeer)
        {
            _toPeer = new UrpcChannel(Slots);
            _fromPeer = new UrpcChannel(Slots);
            _peer = new UrpcPeer(_toPeer, _fromPeer, cores.Remote);
            peerCpu = _peer.ObservedCpu;
        }
        else
        {
            _lrpc = new UrpcBinding(Slots);
            _lrpcCall = _lrpc.A.Outgoing;
            _lrpcReply = _lrpc.B.Outgoing;
        }
        Placement.Record(benchmark, new PlacementRecord(cores.Local, CoreAffinity.CurrentCpu(), needsPeer ? cores.Remote : -1, peerCpu, true));
        Console.WriteLine($"// URPC {benchmark}: benchmark thread pinned to core {cores.Local} (sched_getcpu {CoreAffinity.CurrentCpu()})"
            + (needsPeer ? $", peer thread pinned to core {cores.Remote} (sched_getcpu {peerCpu})" : ", both dispatchers on this core"));
    }

    [GlobalSetup(Target = nameof(RoundTrip))]
    public void SetUpRoundTrip() => SetUp(nameof(RoundTrip), needsPeer: true);

    [GlobalSetup(Target = nameof(OneWay))]
    public void SetUpOneWay()
    {
        _stamps = new ulong[OneWayStamps.Capacity];
        _stampCount = 0;
        SetUp(nameof(OneWay), needsPeer: true);
    }

    [GlobalSetup(Target = nameof(Throughput))]
    public void SetUpThroughput() => SetUp(nameof(Throughput), needsPeer: true);

    [GlobalSetup(Target = nameof(LrpcSameCore))]
    public void SetUpLrpc() => SetUp(nameof(LrpcSameCore), needsPeer: false);

    /// <summary>
    /// Boots a one-core multikernel on the remote core with an LRPC server and a batch caller dispatcher there; the
    /// benchmark thread (pinned to the local core) starts batches over a URPC channel in the caller's waitset.
    /// </summary>
    [GlobalSetup(Target = nameof(LrpcCpuDriver))]
    public void SetUpDriverLrpc()
    {
        _case = nameof(LrpcCpuDriver);
        var cores = BenchmarkCores.Resolve();
        CoreAffinity.PinCurrentThread(cores.Local);
        _pinnedThreadId = Environment.CurrentManagedThreadId;
        _ranOnOtherThread = false;
        _lrpcRequests = new UrpcChannel(Slots);
        _lrpcReplies = new UrpcChannel(Slots);
        _mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = [cores.Remote] });
        var server = new LrpcAddOneServer();
        var caller = new LrpcBatchCaller(server, _lrpcRequests, _lrpcReplies);
        _mk.SpawnAsync(0, 0, () => server).Wait();
        _mk.SpawnAsync(0, 0, () => caller).Wait();
        var started = System.Diagnostics.Stopwatch.StartNew();
        while (caller.ObservedCpu < 0 && started.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(1);
        Placement.Record(_case, new PlacementRecord(cores.Local, CoreAffinity.CurrentCpu(), cores.Remote, caller.ObservedCpu, true));
        Console.WriteLine($"// URPC {_case}: CPU driver with LRPC caller and server on core {cores.Remote} (sched_getcpu {caller.ObservedCpu}); batches started from core {cores.Local}");
    }

    [GlobalCleanup]
    public void CleanUp()
    {
        if (_ranOnOtherThread) Placement.MarkUnpinned(_case);
        _peer?.Dispose();
        _peer = null;
        if (_fromPeer != null) { _toPeer.Dispose(); _fromPeer.Dispose(); _toPeer = null!; _fromPeer = null!; }
        _lrpc?.Dispose();
        _lrpc = null;
        _mk?.Dispose();
        _mk = null;
        _lrpcRequests?.Dispose();
        _lrpcReplies?.Dispose();
        _lrpcRequests = _lrpcReplies = null;
        if (_stampCount > 0) OneWayStamps.Publish(_stamps, _stampCount);
        CoreAffinity.UnpinCurrentThread();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    void CheckThread()
    {
        if (Environment.CurrentManagedThreadId != _pinnedThreadId) _ranOnOtherThread = true;
    }

    /// <summary>URPC ping-pong: one operation is one round trip core Local -> core Remote -> core Local (7-word payload).</summary>
    [Benchmark(OperationsPerInvoke = RoundTripsPerInvoke)]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ulong RoundTrip()
    {
        CheckThread();
        var toPeer = _toPeer;
        var fromPeer = _fromPeer;
        ulong acc = 0;
        for (int i = 0; i < RoundTripsPerInvoke; i++)
        {
            toPeer.Send(PeerMessage.Echo, (ulong)i, 1, 2, 3, 4, 5, 6);
            UrpcMessage m;
            while (!fromPeer.TryReceive(out m)) Poll.Pause();
            acc += m[0];
        }
        return acc;
    }

    /// <summary>
    /// One-way latency: a ping-pong in which the sender stamps its TSC into the message and the peer answers with
    /// its own TSC minus the stamp. One operation is one one-way message (two per round trip, OperationsPerInvoke =
    /// 2 x round trips), so BenchmarkDotNet reports half a (stamped) round trip; the directly stamped Local->Remote
    /// latencies are kept (last 64 Ki) and the suite's summary prints their median.
    /// </summary>
    [Benchmark(OperationsPerInvoke = 2 * RoundTripsPerInvoke)]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ulong OneWay()
    {
        CheckThread();
        var toPeer = _toPeer;
        var fromPeer = _fromPeer;
        var stamps = _stamps;
        ulong n = _stampCount;
        for (int i = 0; i < RoundTripsPerInvoke; i++)
        {
            toPeer.Send(PeerMessage.Stamp, CycleClock.Now(), 1, 2, 3, 4, 5, 6);
            UrpcMessage m;
            while (!fromPeer.TryReceive(out m)) Poll.Pause();
            stamps[(int)(n++ & OneWayStamps.Mask)] = m[0];
        }
        _stampCount = n;
        return n;
    }

    /// <summary>
    /// Pipelined throughput: one operation is one message streamed Local -> Remote through the 16-slot ring while the
    /// peer consumes; each invocation ends with one echo so that every message has been consumed before the clock
    /// stops (its cost, one round trip per 4096 messages, stays in the result). msgs/kcycle = 1000 / cycles per op.
    /// </summary>
    [Benchmark(OperationsPerInvoke = MessagesPerInvoke)]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ulong Throughput()
    {
        CheckThread();
        var toPeer = _toPeer;
        var fromPeer = _fromPeer;
        for (int i = 0; i < MessagesPerInvoke; i++) toPeer.Send(PeerMessage.Sink, (ulong)i, 1, 2, 3, 4, 5, 6);
        toPeer.Send(PeerMessage.Echo, 7, 1, 2, 3, 4, 5, 6);
        UrpcMessage m;
        while (!fromPeer.TryReceive(out m)) Poll.Pause();
        return m[0];
    }

    /// <summary>
    /// Same-core message passing through a ring (the LRPC stand-in before the CPU driver existed): two "dispatchers" on one core, the client calling the server through a URPC binding,
    /// run by one thread (request into the ring, the server takes it and replies, the client takes the reply). One
    /// operation is one call. This is message passing through the cache without a dispatcher switch; the CPU
    /// driver's real LRPC path is <see cref="LrpcCpuDriver"/>.
    /// </summary>
    [Benchmark(OperationsPerInvoke = CallsPerInvoke)]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ulong LrpcSameCore()
    {
        CheckThread();
        var call = _lrpcCall;
        var reply = _lrpcReply;
        var clientIn = _lrpc!.A.Incoming;
        var serverIn = _lrpc.B.Incoming;
        ulong acc = 0;
        for (int i = 0; i < CallsPerInvoke; i++)
        {
            call.Send(PeerMessage.Echo, (ulong)i, 1, 2, 3, 4, 5, 6);
            if (!serverIn.TryReceive(out UrpcMessage request)) ThrowLost();
            reply.Send(PeerMessage.Echo, request[0] + 1, request[1], request[2], request[3], request[4], request[5], request[6]);
            if (!clientIn.TryReceive(out UrpcMessage answer)) ThrowLost();
            acc += answer[0];
        }
        return acc;
    }

    /// <summary>
    /// Same-core LRPC through the CPU driver (the kernel's real LRPC path, paper Table 1): a caller dispatcher calls a
    /// server dispatcher on the same core via <c>LrpcBinding.Call</c> (capability check, direct switch to the callee's
    /// handler and back). One operation is one call; each invocation asks the caller, by one URPC message, for a batch
    /// of 4096 calls and waits for its answer (that one round trip per batch stays in the result, &lt; 0.5%).
    /// Returns the number of wrong results (0).
    /// </summary>
    [Benchmark(OperationsPerInvoke = DriverLrpcCallsPerInvoke)]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ulong LrpcCpuDriver()
    {
        CheckThread();
        var requests = _lrpcRequests!;
        var replies = _lrpcReplies!;
        requests.Send(PeerMessage.Echo, DriverLrpcCallsPerInvoke);
        UrpcMessage m;
        while (!replies.TryReceive(out m)) Poll.Pause();
        return m[0];
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void ThrowLost() => throw new InvalidOperationException("same-core LRPC: a message sent on this core was not visible to the next receive on the same core");
}
