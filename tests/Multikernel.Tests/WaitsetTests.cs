using System.Runtime.CompilerServices;

namespace Multikernel.Tests;

public class WaitsetTests
{
    /// <summary>
    /// Four sender threads, each on its own ring, into one waitset that polls briefly and then blocks:
    /// every message from every ring is handled, per-ring order is kept, and the receiver really slept
    /// (the senders pause between bursts) and was woken through the notifier.
    /// </summary>
    [Fact]
    public void ServesAllReceiversAndWakesFromSleep()
    {
        const int Senders = 4, PerSender = 20_000;
        using var notifier = new Notifier();
        var ws = new Waitset(notifier);
        var rings = Enumerable.Range(0, Senders).Select(_ => UrpcRing.Allocate(8)).ToArray();
        var next = new long[Senders];
        long disorder = 0;
        for (int s = 0; s < Senders; s++)
        {
            int id = s;
            ws.Add(rings[s].Receiver, (in UrpcMessage m) =>
            {
                var t = Tagged.Decode(in m);
                if (t.Sequence != next[id] || t.Sender != id) disorder++;
                next[id]++;
            });
        }
        var threads = Enumerable.Range(0, Senders).Select(s => new Thread(() =>
        {
            for (int i = 0; i < PerSender; i++)
            {
                rings[s].Sender.Send(new Tagged(i, s));
                if (i % 5000 == 4999) Thread.Sleep(20); // let the receiver fall asleep
            }
        })).ToArray();
        foreach (var t in threads) t.Start();
        long total = 0;
        var deadline = DateTime.UtcNow.AddMinutes(1);
        var policy = new WaitPolicy(20_000);
        while (total < Senders * PerSender && DateTime.UtcNow < deadline)
            total += ws.Wait(policy, deadline: TimeSpan.FromSeconds(1));
        foreach (var t in threads) t.Join();
        Assert.Equal(Senders * PerSender, total);
        Assert.Equal(0, disorder);
        Assert.All(next, n => Assert.Equal(PerSender, n));
        Assert.True(notifier.Wakeups > 0, "the receiver never slept and was woken; the blocking path was not exercised");
        foreach (var r in rings) r.Dispose();
    }

    readonly record struct Tagged(long Sequence, int Sender) : IUrpcMessage<Tagged>
    {
        public byte Type => 1;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { w[0] = (ulong)Sequence; w[1] = (ulong)Sender; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Tagged Decode(in UrpcMessage m) => new((long)m[0], (int)m[1]);
    }

    /// <summary>
    /// With nothing arriving, a wait returns 0 at its deadline, not before, and the deadline bounds the whole wait, the
    /// poll budget included (kept on the cycle clock): a short budget that then sleeps, and a policy that would poll for a
    /// minute before sleeping. How soon after the deadline the wait returns is the machine's scheduling, not checked;
    /// only a wait that outlasts a third of that minute is a wait that spent the budget.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WaitReturnsAtItsDeadlineWhenNothingArrives(bool budgetLongerThanTheDeadline)
    {
        using var notifier = new Notifier();
        var ws = new Waitset(notifier);
        using var ring = UrpcRing.Allocate(4);
        ws.Add(ring.Receiver, (in UrpcMessage m) => { });
        var budget = TimeSpan.FromMinutes(1);
        var policy = budgetLongerThanTheDeadline ? WaitPolicy.ForDuration(budget, spinIterations: 0) : new WaitPolicy(1000);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(0, ws.Wait(policy, TimeSpan.FromMilliseconds(30)));
        Assert.True(sw.ElapsedMilliseconds >= 29, $"returned after {sw.ElapsedMilliseconds} ms of a 30 ms deadline");
        Assert.True(sw.Elapsed < budget / 3, $"a 30 ms deadline returned after {sw.Elapsed.TotalSeconds:F1} s: the poll budget ran past it");
    }

    /// <summary>A source of another kind: events queued by a test thread, which wakes the waiting core like a sender does.</summary>
    sealed class QueueSource : IEventSource
    {
        readonly System.Collections.Concurrent.ConcurrentQueue<int> _events = new();
        Notifier? _notifier;
        public readonly List<int> Handled = new();
        /// <summary>Runs after each event this source handles (as a handler would).</summary>
        public Action? AfterEach;
        public void Post(int e)
        {
            _events.Enqueue(e);
            var n = Volatile.Read(ref _notifier);
            if (n != null && n.IsSleeping) n.Wake();
        }
        public bool PollOnce()
        {
            if (!_events.TryDequeue(out int e)) return false;
            Handled.Add(e);
            AfterEach?.Invoke();
            return true;
        }
        public bool HasEvent() => !_events.IsEmpty;
        public void AttachNotifier(Notifier? notifier) => Volatile.Write(ref _notifier, notifier);
    }

    /// <summary>
    /// One waitset serves a URPC receiver, a broadcast reader and an event source of another kind, wakes from sleep for
    /// each, and detaches the notifier of what it removes: a removed receiver or source no longer wakes it.
    /// </summary>
    [Fact]
    public void PollsBroadcastReadersAndOtherEventSourcesToo()
    {
        using var notifier = new Notifier();
        var ws = new Waitset(notifier);
        using var ring = UrpcRing.Allocate(4);
        using var broadcast = new BroadcastChannel(4, readers: 2);
        var other = new QueueSource();
        var got = new List<string>();
        ws.Add(ring.Receiver, (in UrpcMessage m) => got.Add($"urpc {m[0]}"));
        ws.Add(broadcast.Reader(1), (in UrpcMessage m) => got.Add($"broadcast {m[0]}"));
        ws.Add(other);
        Assert.Equal(3, ws.Count);
        Assert.Throws<ArgumentException>(() => ws.Add(other));
        Assert.Throws<ArgumentException>(() => ws.Add(ring.Receiver, (in UrpcMessage m) => { }));

        var policy = new WaitPolicy(1000);
        // Each event is sent once the waitset sleeps: a fixed pause is no such guarantee (the first wait of a process
        // calibrates the cycle clock for 60 ms, long enough for paused events to arrive before it ever sleeps).
        void OnceAsleep(Action send)
        {
            var until = DateTime.UtcNow.AddSeconds(10);
            while (!notifier.IsSleeping && DateTime.UtcNow < until) Thread.Sleep(1);
            send();
        }
        var producer = new Thread(() =>
        {
            OnceAsleep(() => ring.Sender.Send(new Tagged(7, 0)));
            OnceAsleep(() => broadcast.TrySend(new Tagged(8, 0)));
            OnceAsleep(() => other.Post(9));
        });
        producer.Start();
        int handled = 0;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (handled < 3 && DateTime.UtcNow < deadline) handled += ws.Wait(policy, TimeSpan.FromSeconds(1));
        producer.Join();
        Assert.Equal(["urpc 7", "broadcast 8"], got);
        Assert.Equal([9], other.Handled);
        Assert.True(notifier.Wakeups > 0, "no producer woke the sleeping waitset");

        ws.Remove(other);
        ws.Remove(ring.Receiver);
        Assert.Equal(1, ws.Count);
        // What was removed no longer wakes the waitset's core: neither the source nor the ring sees its notifier.
        long wakeups = notifier.Wakeups;
        notifier.PrepareToSleep();
        other.Post(10);
        bool sourceLeftItAsleep = notifier.IsSleeping;
        notifier.PrepareToSleep();
        ring.Sender.Send(new Tagged(11, 0));
        bool ringLeftItAsleep = notifier.IsSleeping;
        notifier.CancelSleep();
        Assert.True(sourceLeftItAsleep && ringLeftItAsleep,
            $"after Remove, the event source woke the waitset's notifier: {!sourceLeftItAsleep}; the URPC receiver woke it: {!ringLeftItAsleep} (Remove left the notifier attached)");
        Assert.Equal(wakeups, notifier.Wakeups);
        Assert.Equal(0, ws.Poll());
        Assert.False(ws.AnyPending());
    }

    /// <summary>
    /// A handler that removes other receivers and sources from the waitset (a service closing channels it then frees):
    /// the rest of that pass polls none of them and runs none of their handlers, exactly as later passes do not, and
    /// their messages stay unread.
    /// </summary>
    [Fact]
    public void WhatAHandlerRemovesIsNotPolledLaterInTheSamePass()
    {
        using var notifier = new Notifier();
        var ws = new Waitset(notifier);
        using var first = UrpcRing.Allocate(4);
        using var second = UrpcRing.Allocate(4);
        var other = new QueueSource();
        var got = new List<string>();
        ws.Add(first.Receiver, (in UrpcMessage m) =>
        {
            got.Add("first");
            ws.Remove(second.Receiver);
            ws.Remove(other);
        });
        ws.Add(second.Receiver, (in UrpcMessage m) => got.Add("second"));
        ws.Add(other);
        first.Sender.Send(new Tagged(1, 0));
        second.Sender.Send(new Tagged(2, 0));
        other.Post(3);

        Assert.Equal(1, ws.Poll());
        Assert.Equal(["first"], got);
        Assert.Empty(other.Handled);
        Assert.Equal(0, second.Receiver.Received);
        Assert.True(second.Receiver.HasMessage(), "the removed receiver's message was taken out of its ring");
        Assert.Equal(1, ws.Count);
    }

    /// <summary>
    /// A handler that removes a receiver later in the pass and adds it again with another handler (a service that
    /// switches a channel to a new protocol): the rest of that pass hands its message to the new handler, as later
    /// passes do, never to the handler it was removed with, and polls it once.
    /// </summary>
    [Fact]
    public void AReceiverRemovedAndAddedAgainInAPassGetsItsNewHandler()
    {
        using var notifier = new Notifier();
        var ws = new Waitset(notifier);
        using var first = UrpcRing.Allocate(4);
        using var second = UrpcRing.Allocate(4);
        var got = new List<string>();
        ws.Add(first.Receiver, (in UrpcMessage m) =>
        {
            got.Add("first");
            ws.Remove(second.Receiver);
            ws.Add(second.Receiver, (in UrpcMessage m2) => got.Add($"second (new) {Tagged.Decode(in m2).Sequence}"));
        });
        ws.Add(second.Receiver, (in UrpcMessage m) => got.Add($"second (old) {Tagged.Decode(in m).Sequence}"));
        first.Sender.Send(new Tagged(1, 0));
        second.Sender.Send(new Tagged(2, 0));
        second.Sender.Send(new Tagged(3, 0));

        Assert.Equal(2, ws.Poll());
        Assert.Equal(["first", "second (new) 2"], got);
        Assert.Equal(1, second.Receiver.Received);
        Assert.Equal(1, ws.Poll());
        Assert.Equal(["first", "second (new) 2", "second (new) 3"], got);
        Assert.Equal(2, ws.Count);
    }

    /// <summary>
    /// <see cref="Waitset.AnyPending"/> (the probe of every wait) sees a message in any receiver and an event in any
    /// other source, and consumes neither: the poll after it still handles each.
    /// </summary>
    [Fact]
    public void AnyPendingSeesEveryKindOfSourceAndConsumesNothing()
    {
        using var notifier = new Notifier();
        var ws = new Waitset(notifier);
        using var first = UrpcRing.Allocate(4);
        using var second = UrpcRing.Allocate(4);
        var other = new QueueSource();
        var got = new List<long>();
        ws.Add(first.Receiver, (in UrpcMessage m) => got.Add(Tagged.Decode(in m).Sequence));
        ws.Add(second.Receiver, (in UrpcMessage m) => got.Add(Tagged.Decode(in m).Sequence));
        ws.Add(other);
        Assert.False(ws.AnyPending());

        second.Sender.Send(new Tagged(2, 0));
        Assert.True(ws.AnyPending(), "a message in the second receiver was not seen");
        Assert.True(ws.AnyPending());
        Assert.Equal(1, ws.Poll());
        Assert.Equal([2L], got);
        Assert.False(ws.AnyPending());

        other.Post(3);
        Assert.True(ws.AnyPending(), "an event of another kind of source was not seen");
        Assert.Equal(1, ws.Poll());
        Assert.Equal([3], other.Handled);
        Assert.False(ws.AnyPending());
    }

    /// <summary>
    /// Each pass starts one receiver further on (the rotation that keeps one receiver's handler from always running
    /// first), also after a handler has removed receivers in the pass, when the next start wraps into the smaller set.
    /// </summary>
    [Fact]
    public void EachPassStartsAtTheNextReceiverAlsoAfterAHandlerRemovedSome()
    {
        using var notifier = new Notifier();
        var ws = new Waitset(notifier);
        var rings = Enumerable.Range(0, 3).Select(_ => UrpcRing.Allocate(8)).ToArray();
        try
        {
            var order = new List<int>();
            bool removeOthers = false;
            for (int r = 0; r < 3; r++)
            {
                int id = r;
                ws.Add(rings[r].Receiver, (in UrpcMessage m) =>
                {
                    order.Add(id);
                    if (removeOthers && id == 1) { ws.Remove(rings[0].Receiver); ws.Remove(rings[2].Receiver); }
                });
            }
            void SendAll() { for (int r = 0; r < 3; r++) rings[r].Sender.Send(new Tagged(0, r)); }
            SendAll();
            Assert.Equal(3, ws.Poll());
            SendAll();
            Assert.Equal(3, ws.Poll());
            Assert.Equal([0, 1, 2, 1, 2, 0], order);

            // The pass now starts at receiver 2; two empty passes make it start at receiver 1 of 3, whose handler
            // removes the other two: the next pass starts inside the one receiver left.
            Assert.Equal(0, ws.Poll());
            Assert.Equal(0, ws.Poll());
            order.Clear();
            removeOthers = true;
            SendAll();
            Assert.Equal(1, ws.Poll());
            Assert.Equal([1], order);
            Assert.Equal(1, ws.Count);
            rings[1].Sender.Send(new Tagged(1, 1));
            Assert.Equal(1, ws.Poll());
            Assert.Equal([1, 1], order);
            Assert.Equal(0, ws.Poll());
        }
        finally { foreach (var r in rings) r.Dispose(); }
    }

    /// <summary>
    /// A source whose event becomes pending the first time a wait probes it (single-threaded, no clock), or at the
    /// latest at its third poll, so that a wait that never probes it still ends.
    /// </summary>
    sealed class ReadyWhenProbed : IEventSource
    {
        bool _ready;
        int _polls;
        public int Handled;
        public bool PollOnce()
        {
            if (++_polls >= 3) _ready = true;
            if (!_ready) return false;
            _ready = false;
            Handled++;
            return true;
        }
        public bool HasEvent() => _ready = true;
        public void AttachNotifier(Notifier? notifier) { }
    }

    /// <summary>
    /// A deadline too far off for the cycle counter (<see cref="TimeSpan.MaxValue"/>) means "no deadline": the wait
    /// handles the event that comes, instead of taking the deadline for one already past and returning 0.
    /// </summary>
    [Fact]
    public void ADeadlineTooFarToCountIsNoDeadline()
    {
        using var notifier = new Notifier();
        var ws = new Waitset(notifier);
        var source = new ReadyWhenProbed();
        ws.Add(source);
        Assert.Equal(1, ws.Wait(new WaitPolicy(1000, spinIterations: 0), TimeSpan.MaxValue));
        Assert.Equal(1, source.Handled);
    }

    /// <summary>The same for an event source whose event handling removes another source.</summary>
    [Fact]
    public void WhatAnEventSourceRemovesIsNotPolledLaterInTheSamePass()
    {
        using var notifier = new Notifier();
        var ws = new Waitset(notifier);
        var closer = new QueueSource();
        var closed = new QueueSource();
        ws.Add(closer);
        ws.Add(closed);
        closer.AfterEach = () => ws.Remove(closed);
        closer.Post(4);
        closed.Post(5);
        Assert.Equal(1, ws.Poll());
        Assert.Equal([4], closer.Handled);
        Assert.Empty(closed.Handled);
    }
}
