namespace Multikernel.Urpc;

/// <summary>
/// Something besides its URPC and broadcast receivers that a core waits on and polls through its
/// <see cref="Waitset"/> (a NIC's receive ring, a backlog of sends waiting for room), so that a service needs no
/// dispatcher of its own just to poll a different kind of channel.
/// <para>Contract: used only on the waiting core's thread. <see cref="HasEvent"/> does not consume; after
/// <see cref="AttachNotifier"/> with the core's notifier, whatever makes an event pending wakes the core if it finds it
/// asleep (or the core's bounded sleep, <see cref="Notifier.MaxSleep"/>, catches it).</para>
/// </summary>
public interface IEventSource
{
    /// <summary>Handles at most one pending event; true if it handled one.</summary>
    bool PollOnce();

    /// <summary>True when an event is pending (does not consume it).</summary>
    bool HasEvent();

    /// <summary>Attaches the waiting core's notifier (null detaches it).</summary>
    void AttachNotifier(Notifier? notifier);
}
