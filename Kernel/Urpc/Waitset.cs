using Multikernel.Hardware;

namespace Multikernel.Urpc;

/// <summary>Called by a <see cref="Waitset"/> for each message taken from one of its channels.</summary>
public delegate void UrpcHandler(UrpcChannel channel, in UrpcMessage message);

/// <summary>
/// The set of incoming channels one core (dispatcher) listens on. <see cref="Poll"/> takes at most one message
/// from every channel, in rotating order so no channel starves; <see cref="Wait"/> polls for a bounded number of
/// cycles and then blocks on the core's <see cref="Notifier"/> until a sender wakes it.
/// <para>Invariant: owned by one receiving thread; every channel in the set has that core's notifier attached,
/// so a sender that finds the core asleep wakes it.</para>
/// </summary>
public sealed class Waitset
{
    UrpcChannel[] _channels = [];
    UrpcHandler[] _handlers = [];
    int _start;

    public Notifier Notifier { get; }
    public int Count => _channels.Length;

    public Waitset(Notifier notifier) => Notifier = notifier;

    /// <summary>Adds a channel this core receives on; attaches this core's notifier to it.</summary>
    public void Add(UrpcChannel channel, UrpcHandler handler)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(handler);
        if (Array.IndexOf(_channels, channel) >= 0) throw new ArgumentException("channel is already in this waitset", nameof(channel));
        channel.Notifier = Notifier;
        _channels = [.. _channels, channel];
        _handlers = [.. _handlers, handler];
    }

    public void Remove(UrpcChannel channel)
    {
        int i = Array.IndexOf(_channels, channel);
        if (i < 0) return;
        channel.Notifier = null;
        _channels = [.. _channels[..i], .. _channels[(i + 1)..]];
        _handlers = [.. _handlers[..i], .. _handlers[(i + 1)..]];
        _start = 0;
    }

    /// <summary>One pass over all channels, dispatching at most one message from each. Returns how many were handled.</summary>
    public int Poll()
    {
        var channels = _channels;
        var handlers = _handlers;
        int n = channels.Length, handled = 0;
        if (n == 0) return 0;
        int start = _start;
        for (int k = 0; k < n; k++)
        {
            int i = start + k;
            if (i >= n) i -= n;
            if (channels[i].TryReceive(out UrpcMessage m))
            {
                handled++;
                handlers[i](channels[i], in m);
            }
        }
        _start = start + 1 >= n ? 0 : start + 1;
        return handled;
    }

    /// <summary>True if any channel has a message waiting (does not consume it).</summary>
    public bool AnyPending()
    {
        foreach (var c in _channels) if (c.HasMessage()) return true;
        return false;
    }

    /// <summary>
    /// Dispatches at least one message unless <paramref name="deadline"/> passes: polls for
    /// <paramref name="pollCycles"/> cycles, then blocks on the notifier (each sleep bounded by
    /// <see cref="Notifier.MaxSleep"/>). Returns the number of messages handled (0 on timeout).
    /// </summary>
    public int Wait(long pollCycles, TimeSpan? deadline = null)
    {
        int h = Poll();
        if (h > 0) return h;
        ulong start = CycleClock.Now();
        ulong pollEnd = start + (ulong)Math.Max(0, pollCycles);
        while (CycleClock.Now() < pollEnd)
        {
            h = Poll();
            if (h > 0) return h;
            Thread.SpinWait(4);
        }
        long stopAt = deadline is { } d ? Environment.TickCount64 + (long)d.TotalMilliseconds : long.MaxValue;
        while (Environment.TickCount64 < stopAt)
        {
            Notifier.PrepareToSleep();
            if (AnyPending()) { Notifier.CancelSleep(); }
            else Notifier.Sleep();
            h = Poll();
            if (h > 0) return h;
        }
        return 0;
    }
}
