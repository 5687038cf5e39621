namespace Multikernel.Net.Stack;

/// <summary>The application end of a bound UDP port. Called on the stack's thread while the frame is still in the receive ring.</summary>
public interface IUdpReceiver
{
    /// <param name="stack">The stack, for replies (<see cref="NetStack.SendUdp"/>).</param>
    /// <param name="datagram">Who sent it, to which port.</param>
    /// <param name="payload">The datagram's bytes, in place; valid only during this call.</param>
    void OnDatagram(NetStack stack, in UdpDatagram datagram, ReadOnlySpan<byte> payload);
}
