namespace Multikernel.Urpc;

/// <summary>
/// The receiving end of a one-way URPC ring (<see cref="UrpcRing"/>), used only on the receiver's core: it takes the
/// ring's messages in order (<see cref="UrpcReader"/>) and has no send operation.
/// </summary>
public sealed unsafe class UrpcReceiver : UrpcReader
{
    readonly UrpcSender _sender;

    internal UrpcReceiver(UrpcSender sender, ulong* slots, int slotCount, int ackInterval, long* next, long* credit)
        : base(slots, slotCount, ackInterval, next, credit) => _sender = sender;

    /// <summary>Stored with the ring's sender, which reads it after every publish.</summary>
    internal override Notifier? Notifier
    {
        get => _sender.ReceiverNotifier;
        set => _sender.ReceiverNotifier = value;
    }
}
