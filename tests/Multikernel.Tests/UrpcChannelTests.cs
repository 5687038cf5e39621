using FsCheck;
using FsCheck.Fluent;
using Multikernel.Hardware;
using Multikernel.Urpc;

namespace Multikernel.Tests;

public class UrpcChannelTests
{
    static int[] TwoCores()
    {
        var cpus = CoreAffinity.AllowedCpus();
        return cpus.Count >= 2 ? [cpus[0], cpus[1]] : [cpus[0], cpus[0]];
    }

    /// <summary>
    /// 10 million messages through a 16-slot ring between two pinned cores: every message arrives, in order, once,
    /// with its payload intact (each word is a function of the sequence number, checked on receipt).
    /// </summary>
    [Fact]
    public void TenMillionMessagesArriveInOrderIntact()
    {
        const long N = 10_000_000;
        var cores = TwoCores();
        using var ch = new UrpcChannel(16);
        long errors = 0, received = 0;
        var receiver = new Thread(() =>
        {
            CoreAffinity.PinCurrentThread(cores[1]);
            for (long i = 0; i < N; i++)
            {
                UrpcMessage m;
                while (!ch.TryReceive(out m)) Thread.SpinWait(1);
                ulong s = (ulong)i;
                if (m.Type != (byte)(i & 0x7F) || m[0] != s || m[1] != ~s || m[2] != s * 3 || m[3] != (s ^ 0xDEADBEEF)
                    || m[4] != s + 4 || m[5] != (s << 5) || m[6] != (s * 0x9E3779B97F4A7C15UL)) errors++;
                received++;
            }
        });
        receiver.Start();
        CoreAffinity.PinCurrentThread(cores[0]);
        try
        {
            for (long i = 0; i < N; i++)
            {
                ulong s = (ulong)i;
                ch.Send((byte)(i & 0x7F), s, ~s, s * 3, s ^ 0xDEADBEEF, s + 4, s << 5, s * 0x9E3779B97F4A7C15UL);
            }
            Assert.True(receiver.Join(TimeSpan.FromMinutes(2)), "receiver did not finish");
        }
        finally { CoreAffinity.UnpinCurrentThread(); }
        Assert.Equal(0, errors);
        Assert.Equal(N, received);
        Assert.False(ch.HasMessage(), "a message beyond the last one sent was visible (duplicate)");
        Assert.Equal(N, ch.Sent);
        Assert.Equal(N, ch.Received);
    }

    /// <summary>
    /// Property: for any ring size and any sequence of send bursts and receive bursts (single-threaded, so the
    /// interleaving is the one generated), the channel behaves as a bounded FIFO queue of capacity Slots:
    /// sends fail exactly when Slots messages are outstanding, receives fail exactly when none are, and the
    /// messages come out in order with payloads intact, across many wrap-arounds.
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
            using var ch = new UrpcChannel(c.Slots);
            var model = new Queue<ulong>();
            ulong nextValue = 1;
            long sent = 0, consumed = 0;
            foreach (int burst in c.Bursts)
            {
                for (int k = 0; k < Math.Abs(burst); k++)
                {
                    if (burst > 0)
                    {
                        bool ok = ch.TrySend((byte)(nextValue & 0xFF), nextValue, nextValue + 1, 0, 0, 0, 0, nextValue * 7);
                        long credit = consumed / ch.AckInterval * ch.AckInterval;
                        if (ok != (sent - credit < c.Slots)) return false;
                        if (ok) { model.Enqueue(nextValue++); sent++; }
                    }
                    else
                    {
                        bool ok = ch.TryReceive(out var m);
                        if (ok != (model.Count > 0)) return false;
                        if (ok)
                        {
                            ulong v = model.Dequeue();
                            consumed++;
                            if (m.Type != (byte)(v & 0xFF) || m[0] != v || m[1] != v + 1 || m[6] != v * 7) return false;
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
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new UrpcChannel(slots));
        Assert.Contains("power of two", e.Message);
        Assert.Contains(slots.ToString(), e.Message);
    }

    [Fact]
    public void MessageLargerThanSlotIsRejected()
    {
        using var ch = new UrpcChannel(4);
        var e = Assert.Throws<ArgumentException>(() => ch.TrySend(1, new ulong[8]));
        Assert.Contains("at most 7 payload words", e.Message);
        Assert.True(ch.TrySend(1, [1, 2, 3, 4, 5, 6, 7]));
        Assert.True(ch.TryReceive(out var m));
        Assert.Equal(7UL, m[6]);
    }

    [Fact]
    public void DisposeFreesChannelMemory()
    {
        long before = NativeBlock.LiveBytes;
        var channels = Enumerable.Range(0, 50).Select(_ => new UrpcChannel(64)).ToList();
        Assert.True(NativeBlock.LiveBytes > before);
        channels.ForEach(c => c.Dispose());
        Assert.Equal(before, NativeBlock.LiveBytes);
    }
}
