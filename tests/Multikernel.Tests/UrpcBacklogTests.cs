using System.Runtime.CompilerServices;

namespace Multikernel.Tests;

/// <summary>
/// Sends that find a ring full (<see cref="UrpcBacklog"/>, <see cref="UrpcOutbox"/>): a full ring delays a message but
/// never drops, duplicates or reorders one, across the backlog's growth with its head anywhere in its array, and two
/// cores that send to each other on tiny rings never both wait for room.
/// </summary>
public class UrpcBacklogTests
{
    /// <summary>A test message whose seven words are each a function of its sequence number and sender.</summary>
    readonly record struct Numbered(ulong Seq, ulong From) : IUrpcMessage<Numbered>
    {
        public byte Type => (byte)(1 + Seq % 100);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w)
        {
            w[0] = Seq; w[1] = From; w[2] = ~Seq; w[3] = Seq * 7; w[4] = Seq ^ From; w[5] = Seq + 5; w[6] = Seq * 0x9E3779B97F4A7C15UL;
        }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Numbered Decode(in UrpcMessage m) => new(m[0], m[1]);
        public static bool Intact(in UrpcMessage m, ulong seq, ulong from) =>
            m.Type == (byte)(1 + seq % 100) && m[0] == seq && m[1] == from && m[2] == ~seq && m[3] == seq * 7
            && m[4] == (seq ^ from) && m[5] == seq + 5 && m[6] == seq * 0x9E3779B97F4A7C15UL;
    }

    /// <summary>
    /// Discarding one peer's backlog hands each of its waiting messages to the callback, keeps the other peers'
    /// backlogs, and keeps <see cref="UrpcOutbox.Pending"/> equal to what still waits. Closing the peer (its core
    /// faulted) also drops, at once and in order, every later message to it that finds its ring full, so none waits
    /// for it again; a message that fits still goes into its ring.
    /// </summary>
    [Fact]
    public void DiscardingOrClosingOnePeersBacklogKeepsTheOthers()
    {
        using var a = UrpcRing.Allocate(2);
        using var b = UrpcRing.Allocate(2);
        var outbox = new UrpcOutbox([null, a.Sender, b.Sender]);
        for (ulong i = 0; i < 5; i++) { outbox.Send(1, new Numbered(i, 0)); outbox.Send(2, new Numbered(i, 0)); }
        Assert.Equal(6, outbox.Pending); // 3 waiting for each peer
        var dropped = new List<ulong>();
        outbox.Discard(1, (in UrpcMessage m) => dropped.Add(m[0]));
        Assert.Equal([2UL, 3UL, 4UL], dropped);
        Assert.Equal(3, outbox.Pending);
        outbox.Discard(1); // nothing left for peer 1
        Assert.Equal(3, outbox.Pending);
        while (b.Receiver.TryReceive(out _)) { }
        Assert.True(outbox.Flush()); // peer 2's backlog still goes out
        Assert.Equal(1, outbox.Pending);
        for (ulong i = 0; i < 2; i++)
        {
            Assert.True(a.Receiver.TryReceive(out var m));
            Assert.Equal(i, m[0]);
        }
        Assert.False(a.Receiver.HasMessage()); // the discarded ones never arrive

        dropped.Clear();
        outbox.Close(1, (in UrpcMessage m) => dropped.Add(m[0]));
        for (ulong i = 5; i < 40; i++) outbox.Send(1, new Numbered(i, 0));
        Assert.Equal(1, outbox.Pending); // peer 2's last message only: nothing waits for the closed peer
        var arrived = new List<ulong>();
        while (a.Receiver.TryReceive(out var m)) arrived.Add(m[0]);
        Assert.NotEmpty(arrived); // what fitted its ring went there
        Assert.Equal(Enumerable.Range(5, 35).Select(i => (ulong)i), arrived.Concat(dropped)); // the rest dropped, in order
    }

    /// <summary>
    /// A message in its raw form (one being forwarded) waits behind the messages already waiting, as a typed one does,
    /// even when the ring has room again before the owner flushes: it never overtakes them.
    /// </summary>
    [Fact]
    public void ARawMessageQueuesBehindTheWaitingOnes()
    {
        using var ring = UrpcRing.Allocate(2);
        var outbox = new UrpcOutbox([null, ring.Sender]);
        for (ulong i = 0; i < 3; i++) outbox.Send(1, new Numbered(i, 0)); // 0, 1 in the ring; 2 waiting
        Assert.Equal(1, outbox.Pending);
        for (ulong i = 0; i < 2; i++) Assert.True(ring.Receiver.TryReceive(out _)); // room again, nothing flushed yet
        outbox.Send(1, UrpcMessage.From(new Numbered(3, 0)));
        Assert.Equal(2, outbox.Pending);
        Assert.True(outbox.Flush());
        for (ulong i = 2; i < 4; i++)
        {
            Assert.True(ring.Receiver.TryReceive(out var m));
            Assert.True(Numbered.Intact(in m, i, 0), $"expected message {i}, got {m[0]}: the raw message overtook the waiting one");
        }
        Assert.Equal(0, outbox.Pending);
    }

    /// <summary>
    /// Clearing a backlog whose head a flush has moved hands over exactly the messages still waiting, oldest first, and
    /// none that already went into the ring (a dropped message's handles are released by the handler: handing it one
    /// already sent would free what its receiver still uses).
    /// </summary>
    [Fact]
    public void ClearingHandsOverExactlyTheWaitingMessagesWhereverTheHeadIs()
    {
        using var ring = UrpcRing.Allocate(2);
        var backlog = new UrpcBacklog();
        for (ulong i = 0; i < 6; i++) backlog.Send(ring.Sender, new Numbered(i, 0)); // 0, 1 in the ring; 2..5 waiting
        for (ulong i = 0; i < 2; i++) Assert.True(ring.Receiver.TryReceive(out _));
        Assert.Equal(2, backlog.Flush(ring.Sender)); // 2, 3 go out: the head moves past them
        var dropped = new List<ulong>();
        backlog.Clear((in UrpcMessage m) =>
        {
            Assert.True(Numbered.Intact(in m, m[0], 0), $"a dropped message was not intact: {m[0]}");
            dropped.Add(m[0]);
        });
        Assert.Equal([4UL, 5UL], dropped);
        Assert.Equal(0, backlog.Count);
    }

    /// <summary>
    /// Closing a peer that already has messages waiting for room drops them at once, in order, through the handler
    /// (not only the ones sent after the close), so nothing waits for a core that will never read again.
    /// </summary>
    [Fact]
    public void ClosingAPeerDropsWhatAlreadyWaitsForIt()
    {
        using var a = UrpcRing.Allocate(2);
        var outbox = new UrpcOutbox([null, a.Sender]);
        for (ulong i = 0; i < 5; i++) outbox.Send(1, new Numbered(i, 0));
        Assert.Equal(3, outbox.Pending);
        var dropped = new List<ulong>();
        outbox.Close(1, (in UrpcMessage m) => dropped.Add(m[0]));
        Assert.Equal([2UL, 3UL, 4UL], dropped);
        Assert.Equal(0, outbox.Pending);
        Assert.False(outbox.Flush());
    }

    /// <summary>
    /// Discarding every backlog (teardown) hands each waiting message to the handler with the peer it was for, oldest
    /// first per peer, and leaves <see cref="UrpcOutbox.Pending"/> at zero, so the owner stops flushing; later sends
    /// to a peer whose ring has room go straight in.
    /// </summary>
    [Fact]
    public void DiscardingEverythingNamesEachMessagesPeerAndLeavesNothingPending()
    {
        using var a = UrpcRing.Allocate(2);
        using var b = UrpcRing.Allocate(2);
        var outbox = new UrpcOutbox([null, a.Sender, b.Sender]);
        for (ulong i = 0; i < 4; i++) { outbox.Send(1, new Numbered(i, 1)); outbox.Send(2, new Numbered(i, 2)); }
        Assert.Equal(4, outbox.Pending);
        var dropped = new List<(int Peer, ulong Seq)>();
        outbox.Discard((int peer, in UrpcMessage m) =>
        {
            Assert.Equal((ulong)peer, m[1]);
            dropped.Add((peer, m[0]));
        });
        Assert.Equal([(1, 2UL), (1, 3UL), (2, 2UL), (2, 3UL)], dropped);
        Assert.Equal(0, outbox.Pending);
        Assert.False(outbox.Flush());
        while (a.Receiver.TryReceive(out _)) { }
        outbox.Send(1, new Numbered(9, 1));
        Assert.Equal(0, outbox.Pending);
        Assert.True(a.Receiver.TryReceive(out var late) && Numbered.Intact(in late, 9, 1));
    }

    /// <summary>
    /// The backlog grows while its oldest message is not at the start of its array (a flush moved its head and later
    /// messages wrapped round to the front): every message still leaves in the order it was sent.
    /// </summary>
    [Fact]
    public void GrowingWithAWrappedHeadKeepsTheOrder()
    {
        using var ring = UrpcRing.Allocate(2);
        var backlog = new UrpcBacklog();
        ulong next = 0, expected = 0;
        for (int i = 0; i < 62; i++) backlog.Send(ring.Sender, new Numbered(next++, 0)); // 2 into the ring, 60 waiting
        Assert.Equal(60, backlog.Count);
        for (int i = 0; i < 2; i++)
        {
            Assert.True(ring.Receiver.TryReceive(out var m));
            Assert.True(Numbered.Intact(in m, expected++, 0));
        }
        Assert.Equal(2, backlog.Flush(ring.Sender)); // head moves to 2
        for (int i = 0; i < 40; i++) backlog.Send(ring.Sender, new Numbered(next++, 0)); // wraps to the front, then grows
        Assert.Equal(98, backlog.Count);
        while (expected < next)
        {
            backlog.Flush(ring.Sender);
            Assert.True(ring.Receiver.TryReceive(out var m), $"message {expected} of {next} never reached the ring");
            Assert.True(Numbered.Intact(in m, expected, 0), $"expected message {expected}, got {m[0]} (type {m.Type})");
            expected++;
        }
        Assert.Equal(0, backlog.Count);
        Assert.False(ring.Receiver.HasMessage());
    }

    /// <summary>
    /// Property: for any ring size and any interleaving of send bursts (through the backlog), receive bursts and
    /// flushes (single-threaded, so the interleaving is the one generated), the receiver sees exactly the messages
    /// sent, in order and intact; a send goes straight into the ring exactly when nothing waits and the ring has room;
    /// the backlog holds exactly the messages not yet in the ring.
    /// </summary>
    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property NeverDropsDuplicatesOrReordersAcrossGrowthAndWrapAround()
    {
        var gen =
            from logSlots in Gen.Choose(1, 5)
            from steps in Gen.ListOf(Gen.Choose(-120, 150)) // > 0: sends; < 0: receives; 0: a flush
            select (Slots: 1 << logSlots, Steps: steps.ToArray());
        return Prop.ForAll(gen.ToArbitrary(), c =>
        {
            using var ring = UrpcRing.Allocate(c.Slots);
            var backlog = new UrpcBacklog();
            ulong next = 0, expected = 0;
            long inRing = 0, consumed = 0;
            foreach (int step in c.Steps)
            {
                if (step == 0) { inRing += backlog.Flush(ring.Sender); continue; }
                for (int k = 0; k < Math.Abs(step); k++)
                {
                    if (step > 0)
                    {
                        long credit = consumed / ring.AckInterval * ring.AckInterval;
                        bool room = inRing - credit < c.Slots;
                        int waiting = backlog.Count;
                        bool direct = backlog.Send(ring.Sender, new Numbered(next++, 1));
                        if (direct != (waiting == 0 && room)) return false.Label($"send {next - 1}: direct={direct}, room={room}, waiting={backlog.Count}");
                        if (direct) inRing++;
                    }
                    else if (ring.Receiver.TryReceive(out var m))
                    {
                        if (!Numbered.Intact(in m, expected, 1)) return false.Label($"expected message {expected}, got {m[0]}");
                        expected++;
                        consumed++;
                    }
                    else if (consumed != inRing) return false.Label($"receive failed with {inRing - consumed} messages in the ring");
                }
                if (backlog.Count != (long)next - inRing) return false.Label($"backlog holds {backlog.Count}, {(long)next - inRing} not yet in the ring");
            }
            // Drain: everything sent arrives, once, in order.
            while (expected < next)
            {
                inRing += backlog.Flush(ring.Sender);
                if (!ring.Receiver.TryReceive(out var m)) return false.Label($"message {expected} of {next} never arrived");
                if (!Numbered.Intact(in m, expected, 1)) return false.Label($"drain: expected message {expected}, got {m[0]}");
                expected++;
            }
            return (backlog.Count == 0 && !ring.Receiver.HasMessage()).Label("a message was left waiting or arrived twice");
        });
    }

    /// <summary>
    /// Two threads send to each other through outboxes on two-slot rings, each at times ignoring its receiver for a
    /// while (a slow receiver: the other's ring fills and its backlog grows); neither ever waits for room, so both
    /// finish, and each receives every message of the other exactly once, in order, intact. The interleaving varies;
    /// the verdict does not. Bounded: a join that waits at most 60 s reports a hang.
    /// </summary>
    [Fact]
    public void TwoCoresSendingToEachOtherOnFullRingsNeitherDeadlockNorLoseOrReorder()
    {
        const int N = 10_000;
        using var aToB = UrpcRing.Allocate(2);
        using var bToA = UrpcRing.Allocate(2);
        var outboxes = new[] { new UrpcOutbox([null, aToB.Sender]), new UrpcOutbox([bToA.Sender, null]) };
        var receivers = new[] { bToA.Receiver, aToB.Receiver };
        var errors = new string?[2];
        var stop = new CancellationTokenSource();
        void Run(int me)
        {
            int peer = 1 - me;
            var outbox = outboxes[me];
            var receiver = receivers[me];
            var rng = new Random(17 + me);
            ulong sent = 0, received = 0;
            int deaf = 0; // iterations left without reading (a slow receiver)
            try
            {
                while ((sent < N || outbox.Pending > 0 || received < N) && !stop.IsCancellationRequested)
                {
                    int burst = rng.Next(1, 9);
                    for (int i = 0; i < burst && sent < N; i++) { outbox.Send(peer, new Numbered(sent, (ulong)me)); sent++; }
                    outbox.Flush();
                    if (deaf > 0) { deaf--; if ((deaf & 63) == 0) Thread.Yield(); continue; }
                    if (rng.Next(200) == 0) deaf = rng.Next(1, 400);
                    int take = rng.Next(1, 9);
                    for (int i = 0; i < take && receiver.TryReceive(out var m); i++)
                    {
                        if (!Numbered.Intact(in m, received, (ulong)peer))
                        {
                            errors[me] = $"core {me}: expected message {received} from core {peer}, got {m[0]} from {m[1]} (type {m.Type})";
                            stop.Cancel();
                            return;
                        }
                        received++;
                    }
                    if ((received & 1023) == 0) Thread.Yield();
                }
                if (received != N || sent != N) errors[me] = $"core {me}: sent {sent}, received {received} of {N} (stopped by the other core)";
                else if (receiver.HasMessage()) errors[me] = $"core {me}: a message beyond the {N} sent arrived";
            }
            catch (Exception e) { errors[me] = $"core {me}: {e}"; stop.Cancel(); }
        }
        var threads = new[] { new Thread(() => Run(0)) { IsBackground = true }, new Thread(() => Run(1)) { IsBackground = true } };
        foreach (var t in threads) t.Start();
        if (!threads.All(t => t.Join(TimeSpan.FromSeconds(60))))
        {
            stop.Cancel();
            // The rings are freed when this method returns: no core may still be using them then.
            foreach (var t in threads) t.Join(TimeSpan.FromSeconds(30));
            Assert.Fail($"a core did not finish within 60 s: outboxes hold {outboxes[0].Pending} and {outboxes[1].Pending}, received {receivers[0].Received} and {receivers[1].Received} of {N}");
        }
        Assert.All(errors, Assert.Null);
        Assert.All(outboxes, o => Assert.Equal(0, o.Pending));
        Assert.All(outboxes, o => Assert.True(o.EverBacklogged > 0, "the rings never filled: the backlog was not exercised"));
    }
}
