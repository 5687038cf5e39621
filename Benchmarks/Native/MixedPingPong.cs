using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Benchmarks.Suite;
using Multikernel.Hardware;
using Multikernel.Urpc;

namespace Benchmarks.Native;

/// <summary>
/// The diagnostic of <c>urpc-vs-native --mixed</c>: on one pair of rings allocated by C# (<see cref="PeerRings"/>), the
/// batch round trip with the pinger of one implementation against the echo of the other: C#/C#, C/C#, C#/C and C/C,
/// where C is <c>native/urpc_loops.c</c> (the loops of the native reference, loaded as a shared library). The ring
/// state lives in the ring's frame in both implementations, so they can take turns on the same rings, and the four
/// pairings share one physical placement. Which pairing is slow says which side's code costs the cycles; C/C against
/// the stand-alone native program says whether the .NET process itself costs anything.
/// </summary>
public static unsafe class MixedPingPong
{
    const int WarmupBatches = 300;

    /// <summary>Runs every pairing <paramref name="rounds"/> times, interleaved; returns each pairing's median batch mean.</summary>
    public static MixedResult Run(string library, BenchmarkCores cores, int batches, int rounds)
    {
        nint lib = NativeLibrary.Load(library);
        try
        {
            var roundTrips = (delegate* unmanaged<byte*, byte*, long, byte, long, ulong>)NativeLibrary.GetExport(lib, "urpc_c_round_trips");
            var echoes = (delegate* unmanaged<byte*, byte*, long, long, void>)NativeLibrary.GetExport(lib, "urpc_c_echoes");
            CoreAffinity.PinCurrentThread(cores.Local);
            try
            {
                using var rings = new PeerRings(16);
                var samples = new List<double>[4];
                for (int p = 0; p < 4; p++) samples[p] = [];
                for (int r = 0; r < rounds; r++)
                    for (int p = 0; p < 4; p++)
                        samples[p].AddRange(Pairing(rings, cores.Remote, pingerInC: p is 1 or 3, echoInC: p is 2 or 3, batches, roundTrips, echoes));
                return Summarise(samples);
            }
            finally { CoreAffinity.UnpinCurrentThread(); }
        }
        finally { NativeLibrary.Free(lib); }
    }

    /// <summary>Each pairing's median batch mean (the suite's median, <see cref="SampleSummary.MedianOf"/>), from its
    /// batch means in pairing order (C#/C#, C/C#, C#/C, C/C).</summary>
    internal static MixedResult Summarise(IReadOnlyList<List<double>> samples) =>
        new(SampleSummary.MedianOf(samples[0]), SampleSummary.MedianOf(samples[1]), SampleSummary.MedianOf(samples[2]), SampleSummary.MedianOf(samples[3]));

    static double[] Pairing(PeerRings rings, int remote, bool pingerInC, bool echoInC, int batches,
        delegate* unmanaged<byte*, byte*, long, byte, long, ulong> roundTrips, delegate* unmanaged<byte*, byte*, long, long, void> echoes)
    {
        long total = (long)(WarmupBatches + batches) * PingPongMeasurement.RttBatch;
        byte* toPeer = rings.ToPeerRing.FrameBase, fromPeer = rings.FromPeerRing.FrameBase;
        long slots = rings.ToPeerRing.Slots;
        Exception? failure = null;
        var peer = new Thread(() =>
        {
            try
            {
                CoreAffinity.PinCurrentThread(remote);
                if (echoInC) echoes(fromPeer, toPeer, slots, total);
                else EchoInCSharp(rings.PeerOutbox, rings.PeerInbox, total);
            }
            catch (Exception e) { failure = e; }
        }) { IsBackground = true, Name = $"urpc-mixed-echo@{remote}" };
        peer.Start();
        var result = new double[batches];
        var toPeerSender = rings.ToPeer;
        var fromPeerReceiver = rings.FromPeer;
        for (int b = -WarmupBatches; b < batches; b++)
        {
            double cycles = pingerInC
                ? (double)roundTrips(toPeer, fromPeer, slots, PeerMessages.Echo.TypeId, PingPongMeasurement.RttBatch) / PingPongMeasurement.RttBatch
                : CSharpPingerBatch(toPeerSender, fromPeerReceiver);
            if (cycles == 0) throw new InvalidOperationException($"the {(pingerInC ? "C" : "C#")} pinger got a wrong echo back from the {(echoInC ? "C" : "C#")} echo");
            if (b >= 0) result[b] = cycles;
        }
        if (!peer.Join(TimeSpan.FromSeconds(30))) throw new InvalidOperationException($"the mixed-pairing echo thread on core {remote} did not finish");
        if (failure != null) throw new InvalidOperationException($"the mixed-pairing echo thread failed: {failure.Message}", failure);
        return result;
    }

    /// <summary>
    /// The C# pinger of the mixed pairings: 64 round trips timed by one TSC pair, each echo checked as the C pinger
    /// (<c>urpc_c_round_trips</c>) checks it, type and index folded into one flag and tested after the batch, so both
    /// pingers do the same work per round trip. Returns the mean cycles per round trip, or 0 if any echo came back wrong.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static double CSharpPingerBatch(BenchmarkSender toPeer, UrpcReceiver fromPeer)
    {
        bool ok = true;
        ulong t0 = CycleClock.Now();
        for (int i = 0; i < PingPongMeasurement.RttBatch; i++)
        {
            toPeer.Send(new PeerMessages.Echo((ulong)i));
            UrpcMessage m;
            while (!fromPeer.TryReceive(out m)) Poll.Pause();
            ok &= (m.Type == PeerMessages.Echo.TypeId) & (m[0] == (ulong)i);
        }
        ulong t1 = CycleClock.Now();
        return ok ? (double)(t1 - t0) / PingPongMeasurement.RttBatch : 0;
    }

    /// <summary>The C# echo of the mixed pairings: answers <paramref name="count"/> messages with themselves (UrpcPeer's echo branch).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    static void EchoInCSharp(BenchmarkSender outbox, UrpcReceiver inbox, long count)
    {
        for (long i = 0; i < count; i++)
        {
            UrpcMessage m;
            while (!inbox.TryReceive(out m)) Poll.Pause();
            outbox.Send(in m);
        }
    }
}
