namespace Multikernel.Urpc;

/// <summary>
/// One side of a <see cref="UrpcBinding"/>: exactly one sender (into the ring the other side receives on) and exactly
/// one receiver (of the ring the other side sends on). Handed to the dispatcher that owns this side and used only on
/// its core.
/// </summary>
public sealed class UrpcEndpoint
{
    public UrpcSender Sender { get; }
    public UrpcReceiver Receiver { get; }

    internal UrpcEndpoint(UrpcSender sender, UrpcReceiver receiver)
    {
        Sender = sender;
        Receiver = receiver;
    }
}
