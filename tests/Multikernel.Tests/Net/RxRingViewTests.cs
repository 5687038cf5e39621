using System.Runtime.InteropServices;

namespace Multikernel.Tests.Net;

/// <summary>The stack core's view of the receive ring: a descriptor names exactly the bytes it covers, and one that
/// reaches outside the ring (a corrupt message) is refused. No socket: the view is laid over plain memory.</summary>
public unsafe class RxRingViewTests
{
    static readonly PacketRingOptions V3 = new() { Version = PacketRingVersion.V3, RxBlockSize = 4096, RxBlockCount = 2, RxFrameSize = 2048 };
    static readonly PacketRingOptions V2 = V3 with { Version = PacketRingVersion.V2 };

    [Fact]
    public void AV3DescriptorReachesToTheEndOfItsBlockAndNoFurther()
    {
        byte* ring = (byte*)NativeMemory.AllocZeroed(2 * 4096);
        try
        {
            var view = new RxRingView(ring, V3);
            ring[4096 + 4000] = 0xAB;
            var last = view.Frame(new RxFrame(1, 4000, 96, RxFrameFlags.None));
            Assert.Equal(96, last.Length);
            Assert.Equal(0xAB, last[0]);
            Assert.Throws<InvalidDataException>(() => view.Frame(new RxFrame(1, 4000, 97, RxFrameFlags.None)));
            Assert.Throws<InvalidDataException>(() => view.Frame(new RxFrame(2, 0, 60, RxFrameFlags.None)));
            Assert.Throws<InvalidDataException>(() => view.Frame(new RxFrame(-1, 0, 60, RxFrameFlags.None)));
        }
        finally { NativeMemory.Free(ring); }
    }

    [Fact]
    public void AV2DescriptorReachesToTheEndOfItsSlotAndNoFurther()
    {
        byte* ring = (byte*)NativeMemory.AllocZeroed(2 * 4096);
        try
        {
            var view = new RxRingView(ring, V2);                 // 2 blocks of 2 slots of 2048 bytes
            ring[4096 + 2048 + 10] = 0xCD;
            var last = view.Frame(new RxFrame(3, 10, 2038, RxFrameFlags.None));
            Assert.Equal(2038, last.Length);
            Assert.Equal(0xCD, last[0]);
            Assert.Throws<InvalidDataException>(() => view.Frame(new RxFrame(3, 10, 2039, RxFrameFlags.None)));
            Assert.Throws<InvalidDataException>(() => view.Frame(new RxFrame(4, 0, 60, RxFrameFlags.None)));
        }
        finally { NativeMemory.Free(ring); }
    }
}
