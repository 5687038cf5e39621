using System.Diagnostics;

namespace Multikernel.Urpc;

/// <summary>
/// The event sources one core (dispatcher) listens on: receiving ends of URPC rings and broadcast buffers with their
/// handlers, and any other <see cref="IEventSource"/>. <see cref="Poll"/> handles at most one event from every source,
/// in rotating order so no source starves; <see cref="Wait"/> polls under a <see cref="WaitPolicy"/> and blocks on the
/// core's <see cref="Notifier"/> until a producer wakes it.
/// <para>Invariants: owned by one receiving thread; every source in the set has that core's notifier attached, so a
/// producer that finds the core asleep wakes it; a source is in the set at most once; 0 ≤ the rotation start &lt;
/// the number of sources (0 when empty).</para>
/// </summary>
public sealed class Waitset
{
    IEventSource[] _sources = [];
    int _start;

    public Notifier Notifier { get; }
    public int Count => _sources.Length;

    public Waitset(Notifier notifier) => Notifier = notifier;

    /// <summary>Adds the receiving end of a URPC ring; <paramref name="handler"/> runs for each message taken from it.</summary>
    public void Add(UrpcReader reader, UrpcHandler handler)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(handler);
        if (IndexOf(reader) >= 0) throw new ArgumentException("this receiver is already in the waitset", nameof(reader));
        Add(new HandledReaderSource(reader, handler));
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
        {
            if (peers[p] is not { } ep) continue;
            if (IndexOf(ep.Receiver) >= 0) throw new ArgumentException($"the receiver of peer {p} is already in the waitset", nameof(peers));
            Add(new PeerReaderSource(ep.Receiver, p, handler));
        }
    }

    /// <summary>Removes the receiving ends added with <see cref="AddPeers"/>.</summary>
    public void RemovePeers(IReadOnlyList<UrpcEndpoint?> peers)
    {
        foreach (var ep in peers) if (ep != null) Remove(ep.Receiver);
    }

    /// <summary>Adds any other event source and attaches this core's notifier to it.</summary>
    public void Add(IEventSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (Array.IndexOf(_sources, source) >= 0) throw new ArgumentException("this event source is already in the waitset", nameof(source));
        source.AttachNotifier(Notifier);
        _sources = [.. _sources, source];
        AssertInvariants();
    }

    /// <summary>Removes a receiving end added with <see cref="Add(UrpcReader, UrpcHandler)"/> (nothing if it is not in the set).</summary>
    public void Remove(UrpcReader reader) => RemoveAt(IndexOf(reader));

    /// <summary>Removes an event source (nothing if it is not in the set).</summary>
    public void Remove(IEventSource source) => RemoveAt(Array.IndexOf(_sources, source));

    int IndexOf(UrpcReader reader)
    {
        for (int i = 0; i < _sources.Length; i++)
            if (_sources[i] is ReaderSource r && r.Reader == reader) return i;
        return -1;
    }

    void RemoveAt(int i)
    {
        if (i < 0) return;
        _sources[i].AttachNotifier(null);
        _sources = [.. _sources[..i], .. _sources[(i + 1)..]];
        _start = 0;
        AssertInvariants();
    }

    /// <summary>One pass over all sources, handling at most one event from each. Returns how many were handled.</summary>
    public int Poll()
    {
        var sources = _sources;
        int n = sources.Length, handled = 0;
        if (n == 0) return 0;
        int start = _start;
        for (int k = 0; k < n; k++)
        {
            int i = start + k;
            if (i >= n) i -= n;
            if (sources[i].PollOnce()) handled++;
        }
        // A handler may have removed sources: keep the start inside the current set.
        _start = start + 1 >= _sources.Length ? 0 : start + 1;
        AssertInvariants();
        return handled;
    }

    /// <summary>True if any source has an event pending (does not consume it).</summary>
    public bool AnyPending()
    {
        foreach (var s in _sources) if (s.HasEvent()) return true;
        return false;
    }

    /// <summary>
    /// Handles at least one event unless <paramref name="deadline"/> passes: polls, and while nothing arrives idles
    /// under <paramref name="policy"/> (poll budget, then bounded sleeps on the notifier). Returns the number of events
    /// handled (0 on timeout).
    /// </summary>
    public int Wait(WaitPolicy policy, TimeSpan? deadline = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        long stopAt = deadline is { } d ? Environment.TickCount64 + (long)d.TotalMilliseconds : long.MaxValue;
        var state = new WaitState();
        var probe = new PendingProbe(this);
        while (true)
        {
            int h = Poll();
            if (h > 0) return h;
            if (Environment.TickCount64 >= stopAt) return 0;
            policy.Idle(ref state, ref probe, Notifier);
        }
    }

    readonly struct PendingProbe(Waitset waitset) : IWorkProbe
    {
        public bool HasWork() => waitset.AnyPending();
    }

    [Conditional("DEBUG")]
    void AssertInvariants() =>
        Debug.Assert(_sources.Length == 0 ? _start == 0 : (uint)_start < (uint)_sources.Length, $"waitset: rotation start {_start} outside {_sources.Length} sources");
}
