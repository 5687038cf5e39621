using System.Runtime.CompilerServices;

namespace Multikernel.Tests;

/// <summary>
/// The channel itself: bare rings from the kernel's internal ring hook (<c>UrpcRing.Allocate</c>, visible to this
/// project through InternalsVisibleTo), driven by test threads. Everything above the channel binds through the
/// monitors (<see cref="BindTests"/>).
/// </summary>
public class UrpcRingTests
{
    /// <summary>
    /// Two allowed CPUs, or the test is skipped: the sender and the receiver both spin without yielding, so pinned to one
    /// CPU they would move a ring's worth of messages per scheduler preemption and the test would run for hours.
    /// </summary>
    static int[] TwoCores()
    {
        var cpus = CoreAffinity.AllowedCpus();
        Assert.SkipWhen(cpus.Count < 2, "the sender and the receiver spin on two pinned CPUs; this process may use one");
        return [cpus[0], cpus[1]];
    }

    /// <summary>A test message that fills the line: each word a function of the sequence number.</summary>
    readonly record struct Probe(ulong Seq) : IUrpcMessage<Probe>
    {
        public byte Type => (byte)(Seq & 0x7F);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w)
        {
            ulong s = Seq;
            w[0] = s; w[1] = ~s; w[2] = s * 3; w[3] = s ^ 0xDEADBEEF; w[4] = s + 4; w[5] = s << 5; w[6] = s * 0x9E3779B97F4A7C15UL;
        }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Probe Decode(in UrpcMessage m) => new(m[0]);
        public static bool Intact(in UrpcMessage m, ulong s) =>
            m.Type == (byte)(s & 0x7F) && m[0] == s && m[1] == ~s && m[2] == s * 3 && m[3] == (s ^ 0xDEADBEEF)
            && m[4] == s + 4 && m[5] == (s << 5) && m[6] == s * 0x9E3779B97F4A7C15UL;
    }

    /// <summary>
    /// 10 million messages through a 16-slot ring between two pinned cores: every message arrives, in order, once,
    /// with its payload intact (each word is a function of the sequence number, checked on receipt). Even messages go
    /// through the typed path, odd ones through the raw one.
    /// </summary>
    [Fact]
    public void TenMillionMessagesArriveInOrderIntact()
    {
        const long N = 10_000_000;
        var cores = TwoCores();
        using var ring = UrpcRing.Allocate(16);
        var sender = ring.Sender;
        var receiver = ring.Receiver;
        long errors = 0, received = 0;
        bool abandoned = false; // the test failed: the receiver stops before the ring's memory is freed
        var thread = new Thread(() =>
        {
            CoreAffinity.PinCurrentThread(cores[1]);
            for (long i = 0; i < N; i++)
            {
                UrpcMessage m;
                while (!receiver.TryReceive(out m))
                {
                    if (Volatile.Read(ref abandoned)) return;
                    Thread.SpinWait(1);
                }
                if (!Probe.Intact(in m, (ulong)i)) errors++;
                received++;
            }
        });
        thread.Start();
        CoreAffinity.PinCurrentThread(cores[0]);
        try
        {
            for (long i = 0; i < N; i++)
            {
                var probe = new Probe((ulong)i);
                // A full ring is waited out (as Send does), but not for ever: a receiver that lost a message stops consuming.
                long fullSince = 0;
                for (long spins = 1; (i & 1) == 0 ? !sender.TrySend(in probe) : !sender.TrySend(UrpcMessage.From(in probe)); spins++)
                {
                    if ((spins & 0xFFFF) == 0)
                    {
                        long now = System.Diagnostics.Stopwatch.GetTimestamp();
                        if (fullSince == 0) fullSince = now;
                        else if (System.Diagnostics.Stopwatch.GetElapsedTime(fullSince, now) > TimeSpan.FromSeconds(30))
                            Assert.Fail($"message {i} found the ring full for 30 s: the receiver stopped at {receiver.Received} of {N}");
                    }
                    Thread.SpinWait(1);
                }
            }
            Assert.True(thread.Join(TimeSpan.FromMinutes(2)), "receiver did not finish");
        }
        finally
        {
            CoreAffinity.UnpinCurrentThread();
            Volatile.Write(ref abandoned, true);
            thread.Join(TimeSpan.FromSeconds(30));
        }
        Assert.Equal(0, errors);
        Assert.Equal(N, received);
        Assert.False(receiver.HasMessage(), "a message beyond the last one sent was visible (duplicate)");
        Assert.Equal(N, sender.Sent);
        Assert.Equal(N, receiver.Received);
    }

    /// <summary>
    /// Property: for any ring size and any sequence of send bursts and receive bursts (single-threaded, so the
    /// interleaving is the one generated), the ring behaves as a bounded FIFO queue of capacity Slots:
    /// sends fail exactly when Slots messages are outstanding (counting the lazily published credit), receives fail
    /// exactly when none are, and the messages come out in order with payloads intact, across many wrap-arounds.
    /// </summary>
    [FsCheck.Xunit.Property(MaxTest = 200)]
    public Property BehavesAsBoundedFifoAcrossWrapAround()
    {
        var gen =
            from logSlots in Gen.Choose(1, 6)
            from bursts in Gen.ListOf(Gen.Choose(-70, 70))
            select (Slots: 1 << logSlots, Bursts: bursts.ToArray());
        return Prop.ForAll(gen.ToArbitrary(), c =>
        {
            using var ring = UrpcRing.Allocate(c.Slots);
            var model = new Queue<ulong>();
            ulong nextValue = 1;
            long sent = 0, consumed = 0;
            foreach (int burst in c.Bursts)
            {
                for (int k = 0; k < Math.Abs(burst); k++)
                {
                    if (burst > 0)
                    {
                        bool ok = ring.Sender.TrySend(new Probe(nextValue));
                        long credit = consumed / ring.AckInterval * ring.AckInterval;
                        if (ok != (sent - credit < c.Slots)) return false;
                        if (ok) { model.Enqueue(nextValue++); sent++; }
                    }
                    else
                    {
                        bool ok = ring.Receiver.TryReceive(out var m);
                        if (ok != (model.Count > 0)) return false;
                        if (ok)
                        {
                            consumed++;
                            if (!Probe.Intact(in m, model.Dequeue())) return false;
                        }
                    }
                }
            }
            return true;
        });
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(12)]
    [InlineData(1 << 17)]
    public void RingSizeMustBePowerOfTwo(int slots)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => UrpcRing.Allocate(slots));
        Assert.Contains("power of two", e.Message);
        Assert.Contains(slots.ToString(), e.Message);
    }

    /// <summary>
    /// A send wakes a receiver that sleeps on its notifier, and only then; once the notifier is detached, sends no
    /// longer look at it (the sender reads the notifier's word, not the notifier object).
    /// </summary>
    [Fact]
    public void SendWakesASleepingReceiverOnlyWhileItsNotifierIsAttached()
    {
        using var ring = UrpcRing.Allocate(4);
        using var n = new Notifier();
        ring.Receiver.Notifier = n;
        Assert.True(ring.Sender.TrySend(new Probe(1)));
        Assert.Equal(0, n.Wakeups); // awake: no wake-up
        n.PrepareToSleep();
        Assert.True(ring.Sender.TrySend(new Probe(2)));
        Assert.False(n.IsSleeping);
        Assert.Equal(1, n.Wakeups);
        ring.Receiver.Notifier = null;
        n.PrepareToSleep();
        Assert.True(ring.Sender.TrySend(new Probe(3)));
        Assert.True(n.IsSleeping); // detached: the sender leaves it alone
        Assert.Equal(1, n.Wakeups);
        n.CancelSleep();
        for (ulong s = 1; s <= 3; s++) Assert.True(ring.Receiver.TryReceive(out var m) && Probe.Intact(in m, s));
    }

    [Fact]
    public void DisposeFreesRingMemoryOnce()
    {
        long before = NativeBlock.LiveBytes;
        var rings = Enumerable.Range(0, 50).Select(_ => UrpcRing.Allocate(64)).ToList();
        Assert.True(NativeBlock.LiveBytes > before);
        rings.ForEach(r => r.Dispose());
        rings.ForEach(r => r.Dispose()); // a second dispose does nothing
        Assert.All(rings, r => Assert.True(r.IsFreed));
        Assert.Equal(before, NativeBlock.LiveBytes);
    }
}
