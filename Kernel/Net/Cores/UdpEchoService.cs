using Multikernel.Net.Stack;
using Multikernel.Urpc;

namespace Multikernel.Net.Cores;

/// <summary>
/// UDP echo on the stack core: every datagram to <see cref="Port"/> goes back to its sender, built straight into a
/// transmit frame while the request still lies in the receive ring. A datagram longer than
/// <see cref="MaxPayload"/> is dropped and counted, never echoed in part; one that finds no transmit buffer (or no
/// ARP entry yet) is counted as a transmit drop. A datagram from a source port below 1024 is counted and not answered
/// (<see cref="NotAnswered"/>): port 0 means the sender expects no reply (RFC 768), and a well-known service port may
/// be another host's echo or chargen service, which would answer back for ever (BSD inetd's built-in echo refuses
/// them for the same reason).
/// </summary>
public sealed class UdpEchoService(ushort port, int maxPayload) : INetApplication, IUdpReceiver
{
    public ushort Port { get; } = port;
    /// <summary>The longest payload echoed, at least 0 (a negative maximum, which would drop every datagram as oversized, is refused).</summary>
    public int MaxPayload { get; } = maxPayload >= 0 ? maxPayload
        : throw new ArgumentOutOfRangeException(nameof(maxPayload), maxPayload, "the longest echoed payload must be at least 0 bytes");
    public long Received { get; private set; }
    public long Echoed { get; private set; }
    public long TxDropped { get; private set; }
    public long Oversized { get; private set; }
    /// <summary>Datagrams from a source port below <see cref="LowestAnsweredPort"/>, dropped unanswered.</summary>
    public long NotAnswered { get; private set; }

    /// <summary>The lowest source port answered: 0 is "no reply", 1-1023 are well-known services.</summary>
    public const ushort LowestAnsweredPort = 1024;

    public void OnStart(NetStack stack, Waitset waitset) => stack.BindUdp(Port, this);
    public bool Run(NetStack stack) => false;
    public bool HasWork => false;

    public void OnDatagram(NetStack stack, in UdpDatagram datagram, ReadOnlySpan<byte> payload)
    {
        if (payload.Length > MaxPayload) { Oversized++; return; }
        if (datagram.SourcePort < LowestAnsweredPort) { NotAnswered++; return; }
        Received++;
        if (stack.SendUdp(datagram.Source, datagram.DestinationPort, datagram.SourcePort, payload)) Echoed++;
        else TxDropped++;
    }
}
