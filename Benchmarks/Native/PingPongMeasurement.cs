using System.Runtime.CompilerServices;
using Benchmarks.Suite;
using Multikernel.Hardware;
using Multikernel.Urpc;

namespace Benchmarks.Native;

/// <summary>
/// The C# twin of <c>native/urpc_pingpong.c</c>: the same phases, sample counts and statistics on the kernel's
/// URPC ring (<see cref="PeerRings"/>: <see cref="UrpcSender"/> and <see cref="UrpcReceiver"/>), with the caller pinned
/// to core a and a <see cref="UrpcPeer"/> pinned to core b.
/// Each round trip is timed by its own TSC pair, and the median over all samples is reported, as in C (<see cref="Summarise"/>).
/// Loops run in batches, each phase after a warm-up of at least 1 s and 100 batches, so that tiered compilation has
/// replaced them by optimized code with dynamic PGO, as in any .NET program. They are not marked
/// AggressiveOptimization: that compiles them at once but without PGO, and on the Zen 5 VM of 2026-12-01 the round trip
/// was then 9-21% slower (C#/C batch ratio 1.05-1.19 with it, 0.93-0.98 without, four interleaved pairs).
/// A last phase times the receiver's own blocking <see cref="UrpcReader.Receive"/> (which spins with
/// Thread.SpinWait) instead of the pause loop, to show what a dispatcher calling it would see.
/// </summary>
public static class PingPongMeasurement
{
    const int Batch = 1024;

    public static PingPongResult Run(BenchmarkCores cores, int samples, int slots = 16)
    {
        CoreAffinity.PinCurrentThread(cores.Local);
        try
        {
            using var rings = new PeerRings(slots);
            using var peer = new UrpcPeer(rings, cores.Remote);
            var toPeer = rings.ToPeer;
            var fromPeer = rings.FromPeer;
            var rtt = new ulong[samples];
            var oneway = new long[samples];
            var rttReceive = new ulong[samples];
            var scratch = new ulong[Batch];
            var scratchSigned = new long[Batch];

            WarmUp(() => RoundTrips(toPeer, fromPeer, scratch));
            Fill(rtt, toPeer, fromPeer, RoundTrips);
            var batches = new double[Math.Max(1, samples / RttBatch)];
            WarmUp(() => RoundTripBatch(toPeer, fromPeer));
            for (int b = 0; b < batches.Length; b++) batches[b] = RoundTripBatch(toPeer, fromPeer);
            WarmUp(() => Stamped(toPeer, fromPeer, scratchSigned));
            for (int i = 0; i < samples; i += Batch) Stamped(toPeer, fromPeer, oneway.AsSpan(i, Math.Min(Batch, samples - i)));
            WarmUp(() => Pipelined(toPeer, fromPeer));
            var tput = new double[ThroughputRepetitions];
            for (int r = 0; r < tput.Length; r++) tput[r] = 1000.0 * ThroughputBatch / Pipelined(toPeer, fromPeer);
            WarmUp(() => RoundTripsReceive(toPeer, fromPeer, scratch));
            Fill(rttReceive, toPeer, fromPeer, RoundTripsReceive);

            return Summarise(rtt, batches, oneway, tput, rttReceive);
        }
        finally { CoreAffinity.UnpinCurrentThread(); }
    }

    /// <summary>
    /// The statistics the native reference prints, from the raw samples (sorted in place): medians as the suite's
    /// median (<see cref="SampleSummary.MedianOfSorted{T}"/>, the mean of the two middle values of an even-sized
    /// sample, as urpc_pingpong.c's <c>median_*</c>), p10/p90 at rank floor(q (n - 1)), as its <c>pct</c>.
    /// </summary>
    internal static PingPongResult Summarise(ulong[] rtt, double[] batches, long[] oneway, double[] tput, ulong[] rttReceive)
    {
        Array.Sort(rtt);
        Array.Sort(oneway);
        Array.Sort(tput);
        Array.Sort(rttReceive);
        Array.Sort(batches);
        return new PingPongResult(SampleSummary.MedianOfSorted<ulong>(rtt), rtt[(int)(0.1 * (rtt.Length - 1))], rtt[(int)(0.9 * (rtt.Length - 1))],
            SampleSummary.MedianOfSorted<double>(batches), SampleSummary.MedianOfSorted<long>(oneway), SampleSummary.MedianOfSorted<double>(tput),
            SampleSummary.MedianOfSorted<ulong>(rttReceive));
    }

    delegate void Batcher(BenchmarkSender to, UrpcReceiver from, Span<ulong> dest);

    static void Fill(ulong[] all, BenchmarkSender to, UrpcReceiver from, Batcher batch)
    {
        for (int i = 0; i < all.Length; i += Batch) batch(to, from, all.AsSpan(i, Math.Min(Batch, all.Length - i)));
    }

    /// <summary>At least 1 s and 100 calls, so tiered compilation has produced the optimized loop before timing.</summary>
    static void WarmUp(Action batch)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        for (int calls = 0; calls < 100 || sw.ElapsedMilliseconds < 1000; calls++) batch();
    }

    static void RoundTrips(BenchmarkSender toPeer, UrpcReceiver fromPeer, Span<ulong> dest)
    {
        for (int i = 0; i < dest.Length; i++)
        {
            ulong t0 = CycleClock.Now();
            toPeer.Send(new PeerMessages.Echo((ulong)i));
            UrpcMessage m;
            while (!fromPeer.TryReceive(out m)) Poll.Pause();
            ulong t1 = CycleClock.Now();
            if (PeerMessages.Echo.Decode(in m).Value != (ulong)i) Mismatch(i);
            dest[i] = t1 - t0;
        }
    }

    internal const int RttBatch = 64;

    /// <summary>64 round trips timed by one TSC pair; returns the mean cycles per round trip.</summary>
    internal static double RoundTripBatch(BenchmarkSender toPeer, UrpcReceiver fromPeer)
    {
        ulong t0 = CycleClock.Now();
        for (int i = 0; i < RttBatch; i++)
        {
            toPeer.Send(new PeerMessages.Echo((ulong)i));
            UrpcMessage m;
            while (!fromPeer.TryReceive(out m)) Poll.Pause();
        }
        return (double)(CycleClock.Now() - t0) / RttBatch;
    }

    static void RoundTripsReceive(BenchmarkSender toPeer, UrpcReceiver fromPeer, Span<ulong> dest)
    {
        for (int i = 0; i < dest.Length; i++)
        {
            ulong t0 = CycleClock.Now();
            toPeer.Send(new PeerMessages.Echo((ulong)i));
            var m = fromPeer.Receive();
            ulong t1 = CycleClock.Now();
            if (PeerMessages.Echo.Decode(in m).Value != (ulong)i) Mismatch(i);
            dest[i] = t1 - t0;
        }
    }

    static void Stamped(BenchmarkSender toPeer, UrpcReceiver fromPeer, Span<long> dest)
    {
        for (int i = 0; i < dest.Length; i++)
        {
            toPeer.Send(new PeerMessages.Stamp(CycleClock.Now()));
            UrpcMessage m;
            while (!fromPeer.TryReceive(out m)) Poll.Pause();
            dest[i] = (long)PeerMessages.Stamp.Decode(in m).Value;
        }
    }

    const int ThroughputBatch = 4096;
    /// <summary>Timed throughput batches per round (the native reference's <c>reps</c>).</summary>
    internal const int ThroughputRepetitions = 64;

    /// <summary>One batch of 4096 sink messages closed by an echo; returns its cycles.</summary>
    static double Pipelined(BenchmarkSender toPeer, UrpcReceiver fromPeer)
    {
        ulong t0 = CycleClock.Now();
        for (int i = 0; i < ThroughputBatch; i++) toPeer.Send(new PeerMessages.Sink((ulong)i));
        toPeer.Send(new PeerMessages.Echo(0));
        UrpcMessage m;
        while (!fromPeer.TryReceive(out m)) Poll.Pause();
        return CycleClock.Now() - t0;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void Mismatch(int i) => throw new InvalidOperationException($"echo payload mismatch at round trip {i}");
}
