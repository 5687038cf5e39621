using System.Diagnostics;
using System.Runtime.CompilerServices;
using Multikernel.Hardware;

namespace Multikernel.Urpc;

/// <summary>
/// The event sources one core (dispatcher) listens on: receiving ends of URPC rings and broadcast buffers with their
/// handlers, and any other <see cref="IEventSource"/>. <see cref="Poll"/> handles at most one event from every source,
/// in rotating order over the receivers so none starves; <see cref="Wait"/> polls under a <see cref="WaitPolicy"/> and
/// blocks on the core's <see cref="Notifier"/> until a producer wakes it.
/// <para>Receivers are kept apart from other sources so that polling one is a direct (inlined) check of its next
/// slot and one handler call, as cheap as before the waitset took other kinds of source.</para>
/// <para>Invariants: owned by one receiving thread; every source in the set has that core's notifier attached, so a
/// producer that finds the core asleep wakes it; a receiver or source is in the set at most once; 0 ≤ the rotation
/// start &lt; the number of receivers (0 when there is none). Once <see cref="Remove(UrpcReader)"/> or
/// <see cref="Remove(IEventSource)"/> has returned, the set never polls what it removed, not even later in a pass whose
/// handler removed it, so its owner may free it at once.</para>
/// </summary>
public sealed class Waitset
{
    /// <summary>A receiving end and its handler (or, for a member of a peer set, the set's handler and the peer's index).</summary>
    struct Receiver
    {
        public UrpcReader Reader;
        public UrpcHandler? Handler;
        public UrpcPeerHandler? PeerHandler;
        public int From;
    }

    Receiver[] _receivers = [];
    IEventSource[] _others = [];
    int _start;

    public Notifier Notifier { get; }
    /// <summary>Receivers and other sources in the set.</summary>
    public int Count => _receivers.Length + _others.Length;

    public Waitset(Notifier notifier) => Notifier = notifier;

    /// <summary>Adds the receiving end of a URPC ring or broadcast buffer; <paramref name="handler"/> runs for each message taken from it.</summary>
    public void Add(UrpcReader reader, UrpcHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        AddReceiver(new Receiver { Reader = reader, Handler = handler });
    }

    /// <summary>
    /// Adds the receiving end of every binding in a peer set (a monitor's to the other monitors, a domain dispatcher's to
    /// its domain's other dispatchers), indexed by peer; <paramref name="handler"/> learns which peer each message came
    /// from. Null entries (the owner's own index) are skipped.
    /// </summary>
    public void AddPeers(IReadOnlyList<UrpcEndpoint?> peers, UrpcPeerHandler handler)
    {
        ArgumentNullException.ThrowIfNull(peers);
        ArgumentNullException.ThrowIfNull(handler);
        for (int p = 0; p < peers.Count; p++)
            if (peers[p] is { } ep) AddReceiver(new Receiver { Reader = ep.Receiver, PeerHandler = handler, From = p });
    }

    void AddReceiver(Receiver r)
    {
        ArgumentNullException.ThrowIfNull(r.Reader, "reader");
        if (IndexOf(r.Reader) >= 0) throw new ArgumentException("this receiver is already in the waitset", "reader");
        r.Reader.Notifier = Notifier;
        _receivers = [.. _receivers, r];
        AssertInvariants();
    }

    /// <summary>Adds any other event source and attaches this core's notifier to it.</summary>
    public void Add(IEventSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (Array.IndexOf(_others, source) >= 0) throw new ArgumentException("this event source is already in the waitset", nameof(source));
        source.AttachNotifier(Notifier);
        _others = [.. _others, source];
    }

    /// <summary>Removes a receiving end (nothing if it is not in the set).</summary>
    public void Remove(UrpcReader reader)
    {
        int i = IndexOf(reader);
        if (i < 0) return;
        reader.Notifier = null;
        _receivers = [.. _receivers[..i], .. _receivers[(i + 1)..]];
        _start = 0;
        AssertInvariants();
    }

    /// <summary>Removes the receiving ends added with <see cref="AddPeers"/>.</summary>
    public void RemovePeers(IReadOnlyList<UrpcEndpoint?> peers)
    {
        foreach (var ep in peers) if (ep != null) Remove(ep.Receiver);
    }

    /// <summary>Removes an event source (nothing if it is not in the set).</summary>
    public void Remove(IEventSource source)
    {
        int i = Array.IndexOf(_others, source);
        if (i < 0) return;
        source.AttachNotifier(null);
        _others = [.. _others[..i], .. _others[(i + 1)..]];
    }

    int IndexOf(UrpcReader reader)
    {
        for (int i = 0; i < _receivers.Length; i++)
            if (_receivers[i].Reader == reader) return i;
        return -1;
    }

    /// <summary>One pass over all sources, handling at most one event from each. Returns how many were handled.</summary>
    [SkipLocalsInit] // the message buffer is written by TryReceive before any read: no zeroing on every poll
    public int Poll()
    {
        var receivers = _receivers;
        int n = receivers.Length, handled = 0;
        if (n > 0)
        {
            int start = _start;
            bool changed = false; // a handler has changed the set: what it removed is not polled in this pass either
            for (int k = 0; k < n; k++)
            {
                int i = start + k;
                if (i >= n) i -= n;
                ref var r = ref receivers[i];
                if (changed)
                {
                    // Removed: not polled. Removed and added again: polled with the entry it has now (its new handler).
                    int now = IndexOf(r.Reader);
                    if (now < 0) continue;
                    r = ref _receivers[now];
                }
                if (!r.Reader.TryReceive(out UrpcMessage m)) continue;
                handled++;
                if (r.PeerHandler != null) r.PeerHandler(r.From, in m);
                else r.Handler!(in m);
                changed |= !ReferenceEquals(receivers, _receivers);
            }
            // A handler may have removed receivers: keep the start inside the current set. Written only when it
            // changes, so that polling a set of one receiver writes nothing.
            int next = start + 1 >= _receivers.Length ? 0 : start + 1;
            if (next != start) _start = next;
        }
        var others = _others;
        for (int i = 0; i < others.Length; i++)
        {
            if (!ReferenceEquals(others, _others) && Array.IndexOf(_others, others[i]) < 0) continue; // removed in this pass
            if (others[i].PollOnce()) handled++;
        }
        AssertInvariants();
        return handled;
    }

    /// <summary>True if any source has an event pending (does not consume it).</summary>
    public bool AnyPending()
    {
        var receivers = _receivers;
        for (int i = 0; i < receivers.Length; i++)
            if (receivers[i].Reader.HasMessage()) return true;
        foreach (var s in _others) if (s.HasEvent()) return true;
        return false;
    }

    /// <summary>
    /// Handles at least one event unless <paramref name="deadline"/> passes: polls, and while nothing arrives idles
    /// under <paramref name="policy"/> (poll budget, then bounded sleeps on the notifier; neither runs past the deadline). Returns the number of events
    /// handled (0 on timeout).
    /// </summary>
    public int Wait(WaitPolicy policy, TimeSpan? deadline = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ulong stopAt = deadline is { } d ? CycleTimeAfter(d) : ulong.MaxValue; // cycle-counter time; the idle steps never pass it
        var state = new WaitState();
        var probe = new PendingProbe(this);
        while (true)
        {
            int h = Poll();
            if (h > 0) return h;
            if (stopAt != ulong.MaxValue && CycleClock.Now() >= stopAt) return 0;
            policy.Idle(ref state, ref probe, Notifier, stopAt);
        }
    }

    /// <summary>The cycle-counter time <paramref name="span"/> from now (now for a negative span; ulong.MaxValue, "never", where it would not fit).</summary>
    static ulong CycleTimeAfter(TimeSpan span)
    {
        ulong now = CycleClock.Now();
        double cycles = Math.Max(0, CycleClock.FromNanoseconds(span.TotalNanoseconds));
        return cycles >= ulong.MaxValue - now ? ulong.MaxValue : now + (ulong)cycles;
    }

    readonly struct PendingProbe(Waitset waitset) : IWorkProbe
    {
        public bool HasWork() => waitset.AnyPending();
    }

    [Conditional("DEBUG")]
    void AssertInvariants() =>
        Debug.Assert(_receivers.Length == 0 ? _start == 0 : (uint)_start < (uint)_receivers.Length, $"waitset: rotation start {_start} outside {_receivers.Length} receivers");
}
