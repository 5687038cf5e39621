namespace Multikernel.Net;

/// <summary>
/// Where a network stack puts the Ethernet frames it sends: the seam between the stack and whatever owns the transmit
/// ring. The stack asks for a buffer, writes one whole frame into it and commits it; nothing is copied on the way.
/// <para>Contract: one frame is under construction at a time (each <see cref="BeginFrame"/> is followed by exactly one
/// <see cref="CommitFrame"/> or by another <see cref="BeginFrame"/>, which abandons the first). Frames are handed to the
/// wire in commit order; when they leave is the implementation's business (a ring driver batches them until a kick).
/// Implementations are owned by one thread and never block.</para>
/// </summary>
public interface IFrameTransmitter
{
    /// <summary>A buffer of at least <see cref="MaxFrameLength"/> bytes for the next frame, or an empty span when the transmit ring is full.</summary>
    Span<byte> BeginFrame();

    /// <summary>Queues the first <paramref name="length"/> bytes of the buffer returned by the last <see cref="BeginFrame"/>.</summary>
    void CommitFrame(int length);

    /// <summary>The longest frame this transmitter carries (Ethernet header included, no FCS).</summary>
    int MaxFrameLength { get; }
}
