using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using Experiments.Common;
using Multikernel;
using Multikernel.Hardware;
using Multikernel.Urpc;

namespace Benchmarks.Suite;

/// <summary>
/// The URPC benchmarks (paper Tables 1-3): round trip, one-way latency and pipelined throughput between two pinned
/// cores, and same-core LRPC. The benchmark thread pins itself to <see cref="BenchmarkCores.Local"/> in
/// GlobalSetup (BenchmarkDotNet runs GlobalSetup, the workload and GlobalCleanup of one case on the same thread in
/// the in-process toolchain; each invocation checks that and <see cref="Placement"/> reports it); a long-lived
/// <see cref="UrpcPeer"/> thread pinned to <see cref="BenchmarkCores.Remote"/> answers over bare rings
/// (<see cref="PeerRings"/>). The job sets no affinity of its own, so BenchmarkDotNet never overrides the pinning.
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
    /// <summary>How the CPU driver of <see cref="LrpcCpuDriver"/>'s one-core system idles between batches.</summary>
    public static readonly WaitPolicy DriverWaitPolicy = WaitPolicy.Default;

    PeerRings? _rings;
    BenchmarkSender _toPeer;
    UrpcReceiver _fromPeer = null!;
    UrpcPeer? _peer;
    PeerRings? _lrpc;
    MultikernelSystem? _mk;
    BenchmarkSender _lrpcRequests;
    UrpcReceiver _lrpcReplies = null!;
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
            _rings = new PeerRings(Slots);
            _toPeer = _rings.ToPeer;
            _fromPeer = _rings.FromPeer;
            _peer = new UrpcPeer(_rings, cores.Remote);
            peerCpu = _peer.ObservedCpu;
        }
        else _lrpc = new PeerRings(Slots); // both "dispatchers" are this thread: client sends ToPeer, server answers on PeerOutbox
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
    /// benchmark thread (pinned to the local core) starts batches over a host binding that the core's monitor made,
    /// whose receiving end is in the caller's waitset.
    /// </summary>
    [GlobalSetup(Target = nameof(LrpcCpuDriver))]
    public void SetUpDriverLrpc()
    {
        _case = nameof(LrpcCpuDriver);
        var cores = BenchmarkCores.Resolve();
        CoreAffinity.PinCurrentThread(cores.Local);
        _pinnedThreadId = Environment.CurrentManagedThreadId;
        _ranOnOtherThread = false;
        _mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = [cores.Remote], WaitPolicy = DriverWaitPolicy });
        var host = _mk.BindHostAsync(0, Slots).GetAwaiter().GetResult();
        _lrpcRequests = new BenchmarkSender(host.Client.Sender);
        _lrpcReplies = host.Client.Receiver;
        var server = new LrpcAddOneServer("bench-lrpc-server");
        var caller = new LrpcBatchCaller(server, host.Server);
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
        _rings?.Dispose();
        _rings = null;
        _lrpc?.Dispose();
        _lrpc = null;
        _mk?.Dispose(); // frees the host binding after the core has stopped
        _mk = null;
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
            toPeer.Send(new PeerMessages.Echo((ulong)i));
            UrpcMessage m;
            while (!fromPeer.TryReceive(out m)) Poll.Pause();
            acc += PeerMessages.Echo.Decode(in m).Value;
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
            toPeer.Send(new PeerMessages.Stamp(CycleClock.Now()));
            UrpcMessage m;
            while (!fromPeer.TryReceive(out m)) Poll.Pause();
            stamps[(int)(n++ & OneWayStamps.Mask)] = PeerMessages.Stamp.Decode(in m).Value;
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
        for (int i = 0; i < MessagesPerInvoke; i++) toPeer.Send(new PeerMessages.Sink((ulong)i));
        toPeer.Send(new PeerMessages.Echo(7));
        UrpcMessage m;
        while (!fromPeer.TryReceive(out m)) Poll.Pause();
        return PeerMessages.Echo.Decode(in m).Value;
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
        var call = _lrpc!.ToPeer;
        var reply = _lrpc.PeerOutbox;
        var clientIn = _lrpc.FromPeer;
        var serverIn = _lrpc.PeerInbox;
        ulong acc = 0;
        for (int i = 0; i < CallsPerInvoke; i++)
        {
            call.Send(new PeerMessages.Echo((ulong)i));
            if (!serverIn.TryReceive(out UrpcMessage request)) ThrowLost();
            reply.Send(new PeerMessages.Echo(PeerMessages.Echo.Decode(in request).Value + 1));
            if (!clientIn.TryReceive(out UrpcMessage answer)) ThrowLost();
            acc += PeerMessages.Echo.Decode(in answer).Value;
        }
        return acc;
    }

    /// <summary>
    /// Same-core LRPC through the CPU driver (the kernel's real LRPC path, paper Table 1): a caller dispatcher calls a
    /// server dispatcher on the same core via <c>LrpcBinding.Call</c> (binding and core checked per call, direct switch to the callee's
    /// handler and back). One operation is one call; each invocation asks the caller, by one URPC message, for a batch
    /// of 4096 calls and waits for its answer (that one round trip per batch stays in the result, &lt; 0.5%).
    /// Returns the number of wrong results (0).
    /// </summary>
    [Benchmark(OperationsPerInvoke = DriverLrpcCallsPerInvoke)]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ulong LrpcCpuDriver()
    {
        CheckThread();
        var requests = _lrpcRequests;
        var replies = _lrpcReplies;
        requests.Send(new PeerMessages.LrpcBatch(DriverLrpcCallsPerInvoke));
        UrpcMessage m;
        while (!replies.TryReceive(out m)) Poll.Pause();
        return PeerMessages.LrpcBatchDone.Decode(in m).WrongResults;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void ThrowLost() => throw new InvalidOperationException("same-core LRPC: a message sent on this core was not visible to the next receive on the same core");
}
