using Multikernel.Urpc;

namespace Multikernel.Capabilities;

/// <summary>
/// The monitor-to-monitor message that delivers a transferred capability once the monitors have agreed to add the
/// receiving core as a holder: which request it answers, where it goes (a dispatcher on the receiving core and a
/// slot of its CSpace), and the capability. Layout: w0 request tag, w1 destination dispatcher (packed id), w2
/// destination cptr (<see cref="Cptr.Pack"/>), w3..w5 the <see cref="SerializedCap"/>.
/// </summary>
public readonly record struct CapTransferMessage(ulong Tag, ulong Dispatcher, Cptr Destination, SerializedCap Cap)
{
    /// <summary>Message type (monitor extension range; the agreement protocol uses 64..71).</summary>
    public const byte Type = 72;

    public UrpcMessage Encode()
    {
        var m = new UrpcMessage { Type = Type };
        m.Payload[0] = Tag;
        m.Payload[1] = Dispatcher;
        m.Payload[2] = Destination.Pack();
        Cap.Encode(ref m.Payload, 3);
        return m;
    }

    public static CapTransferMessage Decode(in UrpcMessage m)
    {
        if (m.Type != Type) throw new ArgumentException($"message type {m.Type} is not a capability transfer ({Type})", nameof(m));
        return new CapTransferMessage(m.Payload[0], m.Payload[1], Cptr.Unpack(m.Payload[2]), SerializedCap.Decode(in m.Payload, 3));
    }
}
