using System.Runtime.CompilerServices;

namespace Multikernel.Tests;

/// <summary>The one-writer many-reader buffer the broadcast shootdown uses.</summary>
public class BroadcastChannelTests
{
    static UrpcMessage Raw(byte type, ulong w0, ulong w1, ulong w5, ulong w6)
    {
        var m = new UrpcMessage { Type = type };
        m.Payload[0] = w0; m.Payload[1] = w1; m.Payload[5] = w5; m.Payload[6] = w6;
        return m;
    }

    readonly record struct Empty : IUrpcMessage<Empty>
    {
        public byte Type => 1;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Empty Decode(in UrpcMessage m) => default;
    }

    /// <summary>
    /// Property: single-threaded, for any interleaving of sends and per-reader receives, every reader sees the
    /// writer's messages in order, intact, and the writer finds the ring full exactly when the slowest reader's
    /// published credit leaves no free slot.
    /// </summary>
    [FsCheck.Xunit.Property(MaxTest = 200)]
    public Property EveryReaderSeesEveryMessageInOrderAndTheSlowestBoundsTheWriter()
    {
        var gen =
            from logSlots in Gen.Choose(1, 5)
            from readers in Gen.Choose(1, 4)
            from steps in Gen.ListOf(Gen.Choose(-1, readers - 1)) // -1: send; r: reader r receives
            select (Slots: 1 << logSlots, Readers: readers, Steps: steps.ToArray());
        return Prop.ForAll(gen.ToArbitrary(), c =>
        {
            using var ch = new BroadcastChannel(c.Slots, c.Readers);
            long sent = 0;
            var consumed = new long[c.Readers];
            foreach (int step in c.Steps)
            {
                if (step < 0)
                {
                    long minCredit = consumed.Min(x => x / ch.AckInterval * ch.AckInterval);
                    bool ok = ch.TrySend(Raw((byte)(sent % 200 + 1), (ulong)sent, (ulong)sent * 3, 0, ~(ulong)sent));
                    if (ok != (sent - minCredit < c.Slots)) return false;
                    if (ok) sent++;
                }
                else
                {
                    bool ok = ch.Reader(step).TryReceive(out var m);
                    if (ok != (consumed[step] < sent)) return false;
                    if (!ok) continue;
                    long v = consumed[step]++;
                    if (m.Type != (byte)(v % 200 + 1) || m[0] != (ulong)v || m[1] != (ulong)v * 3 || m[6] != ~(ulong)v) return false;
                }
            }
            return ch.Sent == sent;
        });
    }

    [Fact]
    public void ConcurrentReadersEachReceiveEveryMessageInOrder()
    {
        const int Readers = 3, N = 100_000;
        using var ch = new BroadcastChannel(16, Readers);
        var errors = new string?[Readers];
        var threads = Enumerable.Range(0, Readers).Select(r => new Thread(() =>
        {
            var reader = ch.Reader(r);
            for (long i = 0; i < N; i++)
            {
                UrpcMessage m;
                var spin = new SpinWait();
                while (!reader.TryReceive(out m)) spin.SpinOnce(sleep1Threshold: -1);
                if (m[0] != (ulong)i || m[5] != (ulong)i * 7 || m.Type != 9) { errors[r] = $"reader {r}: message {i} arrived as {m[0]}/{m[5]}/{m.Type}"; return; }
            }
        }) { IsBackground = true }).ToArray();
        foreach (var t in threads) t.Start();
        var spinW = new SpinWait();
        for (long i = 0; i < N; i++)
            while (!ch.TrySend(Raw(9, (ulong)i, 0, (ulong)i * 7, 0))) spinW.SpinOnce(sleep1Threshold: -1);
        foreach (var t in threads) Assert.True(t.Join(TimeSpan.FromSeconds(60)), "a reader did not finish");
        Assert.All(errors, Assert.Null);
        for (int r = 0; r < Readers; r++) Assert.Equal(N, ch.Reader(r).Received);
    }

    [Fact]
    public void SendWakesASleepingReader()
    {
        using var ch = new BroadcastChannel(4, 2);
        using var n = new Notifier();
        ch.Reader(1).Notifier = n;
        n.PrepareToSleep();
        Assert.True(n.IsSleeping);
        Assert.True(ch.TrySend(new Empty()));
        Assert.False(n.IsSleeping);
        Assert.Equal(1, n.Wakeups);
    }

    [Fact]
    public void MemoryIsFreedAndBadSizesRefused()
    {
        long before = NativeBlock.LiveBytes;
        new BroadcastChannel(8, 5).Dispose();
        Assert.Equal(before, NativeBlock.LiveBytes);
        Assert.Contains("power of two", Assert.Throws<ArgumentOutOfRangeException>(() => new BroadcastChannel(12, 2)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BroadcastChannel(8, 0));
    }
}
