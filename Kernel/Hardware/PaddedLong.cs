using System.Runtime.InteropServices;

namespace Multikernel.Hardware;

/// <summary>
/// A 64-bit counter alone in a 128-byte block (Disruptor-style padded sequence). Place one per owner so that
/// a write by its owner never invalidates a line another core reads for something else.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = CacheLine.PaddedSize)]
public struct PaddedLong
{
    [FieldOffset(0)] public long Value;
}
