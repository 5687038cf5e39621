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
    readonly int _blockSize, _frameSize, _framesPerBlock;
    readonly int _units, _unitSize; // what a descriptor's Block and Offset + Length may address: V3 blocks, V2 slots

    /// <summary>The receive ring at <paramref name="rx"/> laid out by <paramref name="options"/> (as the ring lays it out).</summary>
    internal RxRingView(byte* rx, PacketRingOptions options)
    {
        _rx = rx;
        _v3 = options.Version == PacketRingVersion.V3;
        _blockSize = options.RxBlockSize;
        _frameSize = options.RxFrameSize;
        _framesPerBlock = _blockSize / _frameSize;
        _units = _v3 ? options.RxBlockCount : options.RxBlockCount * _framesPerBlock;
        _unitSize = _v3 ? _blockSize : _frameSize;
    }

    /// <summary>The frame's bytes; throws when the descriptor points outside the ring (a corrupt message).</summary>
    public ReadOnlySpan<byte> Frame(in RxFrame frame)
    {
        if ((uint)frame.Block >= (uint)_units || frame.Offset < 0 || frame.Length < 0 || (long)frame.Offset + frame.Length > _unitSize)
            throw new InvalidDataException($"receive descriptor outside the ring: {(_v3 ? "block" : "slot")} {frame.Block}, offset {frame.Offset}, length {frame.Length}");
        byte* unit = _v3
            ? _rx + (nint)frame.Block * _blockSize
            : _rx + (nint)(frame.Block / _framesPerBlock) * _blockSize + (nint)(frame.Block % _framesPerBlock) * _frameSize;
        return new ReadOnlySpan<byte>(unit + frame.Offset, frame.Length);
    }
}
