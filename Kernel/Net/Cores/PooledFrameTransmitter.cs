using Multikernel.Drivers;
using Multikernel.Urpc;

namespace Multikernel.Net.Cores;

/// <summary>
/// The stack core's <see cref="IFrameTransmitter"/>: frames are built in buffers of the stack's own transmit pool and
/// handed to the driver core as <see cref="FrameMessages.Tx"/> descriptors; a buffer comes back with
/// <see cref="FrameMessages.TxDone"/>. An empty frame from <see cref="BeginFrame"/> means every buffer is out at the
/// driver (the stack counts it as a full ring). Stack core only.
/// </summary>
internal sealed class PooledFrameTransmitter(PacketPool pool, int maxFrameLength, UrpcBacklog toDriver, UrpcSender driver) : IFrameTransmitter
{
    int _current = -1; // the buffer of the frame begun and not committed; reused by the next BeginFrame

    public int MaxFrameLength { get; } = maxFrameLength;

    public Span<byte> BeginFrame()
    {
        if (_current < 0 && !pool.TryAllocate(out _current))
        {
            _current = -1;
            return default;
        }
        return pool[_current][..MaxFrameLength];
    }

    public void CommitFrame(int length)
    {
        if (_current < 0) throw new InvalidOperationException("CommitFrame without a frame begun by BeginFrame");
        if (length < 14 || length > MaxFrameLength) throw new ArgumentOutOfRangeException(nameof(length), length, $"a frame has 14 to {MaxFrameLength} bytes");
        toDriver.Send(driver, new FrameMessages.Tx(_current, length));
        _current = -1;
    }
}
