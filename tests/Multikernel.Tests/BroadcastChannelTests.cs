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
        bool abandoned = false; // the test failed: the readers stop before the channel's memory is freed
        var threads = Enumerable.Range(0, Readers).Select(r => new Thread(() =>
        {
            var reader = ch.Reader(r);
            for (long i = 0; i < N; i++)
            {
                UrpcMessage m;
                var spin = new SpinWait();
                while (!reader.TryReceive(out m))
                {
                    if (Volatile.Read(ref abandoned)) return;
                    spin.SpinOnce(sleep1Threshold: -1);
                }
                if (m[0] != (ulong)i || m[5] != (ulong)i * 7 || m.Type != 9) { errors[r] = $"reader {r}: message {i} arrived as {m[0]}/{m[5]}/{m.Type}"; return; }
            }
        }) { IsBackground = true }).ToArray();
        foreach (var t in threads) t.Start();
        try
        {
            var spinW = new SpinWait();
            for (long i = 0; i < N; i++)
            {
                long fullSince = 0;
                while (!ch.TrySend(Raw(9, (ulong)i, 0, (ulong)i * 7, 0)))
                {
                    if (spinW.Count % 4096 == 4095)
                    {
                        long now = System.Diagnostics.Stopwatch.GetTimestamp();
                        if (fullSince == 0) fullSince = now;
                        else if (System.Diagnostics.Stopwatch.GetElapsedTime(fullSince, now) > TimeSpan.FromSeconds(30))
                            Assert.Fail($"message {i} found the buffer full for 30 s: the readers stopped at {string.Join(", ", Enumerable.Range(0, Readers).Select(r => ch.Reader(r).Received))} ({string.Join("; ", errors.Where(e => e != null))})");
                    }
                    spinW.SpinOnce(sleep1Threshold: -1);
                }
            }
            foreach (var t in threads) Assert.True(t.Join(TimeSpan.FromSeconds(60)), "a reader did not finish");
        }
        finally
        {
            Volatile.Write(ref abandoned, true);
            foreach (var t in threads) t.Join(TimeSpan.FromSeconds(30));
        }
        Assert.All(errors, Assert.Null);
        for (int r = 0; r < Readers; r++) Assert.Equal(N, ch.Reader(r).Received);
    }

    /// <summary>A typed message whose words are those of <see cref="Raw"/> for the same value.</summary>
    readonly record struct Valued(ulong V) : IUrpcMessage<Valued>
    {
        public byte Type => (byte)(V % 200 + 1);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { w[0] = V; w[1] = V * 3; w[5] = 0; w[6] = ~V; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Valued Decode(in UrpcMessage m) => new(m[0]);
    }

    /// <summary>
    /// The typed send honours the slowest reader's credit exactly as the raw one does: with one reader that never
    /// reads, it fills the ring and then fails (never overwriting a slot that reader has not read); each message that
    /// reader then consumes (its credit published every <see cref="BroadcastChannel.AckInterval"/> messages) lets
    /// exactly that many more in, and both readers see every message intact, in order.
    /// </summary>
    [Fact]
    public void TheTypedSendStopsAtTheSlowestReadersCreditAsTheRawOneDoes()
    {
        using var ch = new BroadcastChannel(4, 2);
        Assert.Equal(1, ch.AckInterval);
        ulong sent = 0;
        while (sent < 10 && ch.TrySend(new Valued(sent))) sent++;
        Assert.Equal(4UL, sent);
        Assert.False(ch.TrySend(Raw(1, 99, 0, 0, 0)));
        for (ulong v = 0; v < 4; v++) Assert.True(ch.Reader(0).TryReceive(out _)); // the fast reader is done
        Assert.False(ch.TrySend(new Valued(sent)), "the typed send passed the slow reader's credit");
        Assert.True(ch.Reader(1).TryReceive(out var first) && first[0] == 0);
        Assert.True(ch.TrySend(new Valued(sent++)));
        Assert.False(ch.TrySend(new Valued(sent)), "one message read let two more in");
        for (ulong v = 1; v < sent; v++)
        {
            Assert.True(ch.Reader(1).TryReceive(out var m));
            Assert.True(m[0] == v && m[1] == v * 3 && m[6] == ~v && m.Type == (byte)(v % 200 + 1), $"message {v} arrived as {m[0]}/{m[1]}/{m[6]}/{m.Type}");
        }
        Assert.True(ch.Reader(0).TryReceive(out var last) && last[0] == 4);
        Assert.False(ch.Reader(0).HasMessage());
        Assert.False(ch.Reader(1).HasMessage());
    }

    /// <summary>A send wakes every reader whose core sleeps, the first reader's as well as the last's, and no reader that is awake.</summary>
    [Fact]
    public void SendWakesEverySleepingReaderAndNoAwakeOne()
    {
        using var ch = new BroadcastChannel(4, 3);
        Notifier[] notifiers = [new(), new(), new()];
        try
        {
            for (int r = 0; r < 3; r++) ch.Reader(r).Notifier = notifiers[r];
            notifiers[0].PrepareToSleep();
            notifiers[2].PrepareToSleep();
            Assert.True(ch.TrySend(new Empty()));
            Assert.All(notifiers, n => Assert.False(n.IsSleeping));
            Assert.Equal([1L, 0L, 1L], notifiers.Select(n => n.Wakeups));
        }
        finally { foreach (var n in notifiers) n.Dispose(); }
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

    /// <summary>
    /// Three reader threads, one of which stops after <c>stallAfter</c> messages: the other two keep receiving every
    /// message the writer publishes, in order; the writer publishes exactly up to the stalled reader's published credit
    /// plus the ring size and then finds the ring full however long it retries (never overwriting a slot the stalled
    /// reader has not read); once that reader resumes, every reader receives all messages, in order, intact. The
    /// interleaving varies; the verdict does not. Bounded: waits give up after 30 s and report what they waited for.
    /// </summary>
    [Theory]
    [InlineData(2, 1)]
    [InlineData(4, 3)]
    [InlineData(8, 5)]
    [InlineData(16, 13)]
    [InlineData(64, 40)]
    public void AStalledReaderHoldsTheWriterBackAndLosesNothing(int slots, int stallAfter)
    {
        const int Readers = 3, N = 5_000;
        using var ch = new BroadcastChannel(slots, Readers);
        var errors = new string?[Readers];
        using var stalled = new ManualResetEventSlim();
        using var resume = new ManualResetEventSlim();
        var bound = TimeSpan.FromSeconds(30);
        bool abandoned = false; // the test failed: the readers stop before the channel's memory is freed
        var threads = Enumerable.Range(0, Readers).Select(r => new Thread(() =>
        {
            var reader = ch.Reader(r);
            var deadline = DateTime.UtcNow + bound;
            for (long i = 0; i < N; i++)
            {
                if (r == 0 && i == stallAfter)
                {
                    stalled.Set();
                    if (!resume.WaitHandle.WaitOne(bound)) { errors[r] = "reader 0 was never resumed"; return; }
                }
                UrpcMessage m;
                var spin = new SpinWait();
                while (!reader.TryReceive(out m))
                {
                    if (Volatile.Read(ref abandoned)) return;
                    if (DateTime.UtcNow > deadline) { errors[r] = $"reader {r}: message {i} never arrived ({ch.Sent} sent)"; return; }
                    spin.SpinOnce();
                }
                if (m[0] != (ulong)i || m[1] != (ulong)i * 3 || m[6] != ~(ulong)i || m.Type != (byte)(i % 200 + 1))
                {
                    errors[r] = $"reader {r}: message {i} arrived as {m[0]}/{m[1]}/{m[6]}/{m.Type}";
                    return;
                }
            }
        }) { IsBackground = true }).ToArray();
        try
        {
            foreach (var t in threads) t.Start();

            long credit = stallAfter / ch.AckInterval * ch.AckInterval; // what the stalled reader has published
            long limit = credit + slots;
            long sent = 0;
            var sendSpin = new SpinWait();
            var until = DateTime.UtcNow + bound;
            // Publish until the stalled reader's credit stops the writer (the fast readers' lag only delays it).
            while (sent < limit && DateTime.UtcNow < until)
            {
                if (ch.TrySend(Raw((byte)(sent % 200 + 1), (ulong)sent, (ulong)sent * 3, 0, ~(ulong)sent)))
                {
                    sent++;
                    sendSpin.Reset();
                    long behind = sent - ch.Reader(0).Received;
                    Assert.True(behind <= slots, $"the writer published message {sent} with reader 0 {behind} messages behind on a ring of {slots} slots");
                }
                else sendSpin.SpinOnce();
            }
            Assert.Equal(limit, sent);
            Assert.True(stalled.WaitHandle.WaitOne(bound), "reader 0 never reached its stall point");
            // Once the fast readers have taken everything, only the stalled reader holds the writer back: still full.
            while ((ch.Reader(1).Received < sent || ch.Reader(2).Received < sent) && DateTime.UtcNow < until) Thread.Yield();
            Assert.All(errors, Assert.Null);
            Assert.Equal(sent, ch.Reader(1).Received);
            Assert.Equal(sent, ch.Reader(2).Received);
            for (int k = 0; k < 1000; k++)
                Assert.False(ch.TrySend(Raw(1, ulong.MaxValue, 0, 0, 0)), $"the writer published message {sent + 1} over a slot reader 0 has not read ({stallAfter} read)");
            Assert.Equal(stallAfter, ch.Reader(0).Received);

            resume.Set();
            until = DateTime.UtcNow + bound;
            while (sent < N && DateTime.UtcNow < until)
            {
                if (ch.TrySend(Raw((byte)(sent % 200 + 1), (ulong)sent, (ulong)sent * 3, 0, ~(ulong)sent))) { sent++; sendSpin.Reset(); }
                else sendSpin.SpinOnce();
            }
            Assert.Equal(N, sent);
            foreach (var t in threads) Assert.True(t.Join(bound), "a reader did not finish");
            Assert.All(errors, Assert.Null);
            for (int r = 0; r < Readers; r++)
            {
                Assert.Equal(N, ch.Reader(r).Received);
                Assert.False(ch.Reader(r).HasMessage(), $"reader {r} found a message beyond the last one sent");
            }
        }
        finally
        {
            Volatile.Write(ref abandoned, true);
            resume.Set();
            foreach (var t in threads) t.Join(bound);
        }
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
