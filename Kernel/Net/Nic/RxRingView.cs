namespace Multikernel.Net.Nic;

/// <summary>
/// The receive half of a <see cref="PacketRing"/>'s mapping as another core sees it: the bytes of a frame named by an
/// <see cref="RxFrame"/> descriptor, in place. It keeps only the mapping's address and geometry, never the driver's
/// bookkeeping, so a stack core can read frames while the driver core alone takes and releases them.
/// <para>Contract: a frame is read only between the descriptor's arrival and its release message to the driver;
/// the mapping outlives every core that holds a view (the ring is disposed after the cores stopped).</para>
/// </summary>
public readonly unsafe struct RxRingView
{
    readonly byte* _rx;
    readonly bool _v3;
    readonly int _blockSize, _blockCount, _frameSize, _framesPerBlock;

    internal RxRingView(byte* rx, bool v3, int blockSize, int blockCount, int frameSize, int framesPerBlock)
    {
        _rx = rx;
        _v3 = v3;
        _blockSize = blockSize;
        _blockCount = blockCount;
        _frameSize = frameSize;
        _framesPerBlock = framesPerBlock;
    }

    /// <summary>The frame's bytes; throws when the descriptor points outside the ring (a corrupt message).</summary>
    public ReadOnlySpan<byte> Frame(in RxFrame frame)
    {
        int units = _v3 ? _blockCount : _blockCount * _framesPerBlock, unitSize = _v3 ? _blockSize : _frameSize;
        if ((uint)frame.Block >= (uint)units || frame.Offset < 0 || frame.Length < 0 || (long)frame.Offset + frame.Length > unitSize)
            throw new InvalidDataException($"receive descriptor outside the ring: {(_v3 ? "block" : "slot")} {frame.Block}, offset {frame.Offset}, length {frame.Length}");
        byte* unit = _v3
            ? _rx + (nint)frame.Block * _blockSize
            : _rx + (nint)(frame.Block / _framesPerBlock) * _blockSize + (nint)(frame.Block % _framesPerBlock) * _frameSize;
        return new ReadOnlySpan<byte>(unit + frame.Offset, frame.Length);
    }
}
