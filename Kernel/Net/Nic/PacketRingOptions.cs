namespace Multikernel.Net.Nic;

/// <summary>
/// Geometry of a <see cref="PacketRing"/>.
/// <para><see cref="PacketRingVersion.V3"/> (the default): the receive ring is made of blocks of variable-size frames
/// that the kernel hands over whole, when a block is full or <see cref="RetireTimeoutMs"/> has passed since it opened;
/// at low load (few frames in flight) that timeout is the ring's latency floor. <see cref="PacketRingVersion.V2"/>:
/// one frame per fixed slot, each with its own status word, handed over as soon as it is written. The transmit ring
/// is of the same version, one frame per slot.</para>
/// </summary>
public sealed record PacketRingOptions
{
    public PacketRingVersion Version { get; init; } = PacketRingVersion.V3;
    /// <summary>Bytes per receive slot with <see cref="PacketRingVersion.V2"/> (header + frame; a power of two of at least 2048).</summary>
    public int RxFrameSize { get; init; } = 2048;
    /// <summary>Bytes per receive block (a multiple of the 4 KiB page).</summary>
    public int RxBlockSize { get; init; } = 32 * 1024;
    public int RxBlockCount { get; init; } = 64;
    /// <summary>Milliseconds after which the kernel hands over a block that is not full (1 is the smallest).</summary>
    public int RetireTimeoutMs { get; init; } = 1;
    /// <summary>Bytes per transmit slot (header + frame; a power of two that divides <see cref="TxBlockSize"/>).</summary>
    public int TxFrameSize { get; init; } = 2048;
    public int TxFrameCount { get; init; } = 512;
    /// <summary>Bytes per transmit block (a multiple of the page size; the kernel allocates the ring in such blocks).</summary>
    public int TxBlockSize { get; init; } = 64 * 1024;
    /// <summary>Send straight to the device's driver, skipping the qdisc layer (PACKET_QDISC_BYPASS).</summary>
    public bool BypassQdisc { get; init; } = true;
    /// <summary>
    /// The kernel copies each transmitted frame whole into its socket buffer's own memory (PACKET_VNET_HDR, each slot's
    /// virtio_net_hdr saying the whole frame is header: hdr_len = the frame's length; no offload is asked for) instead of
    /// attaching the ring slot's pages to it. Attached ring pages are zero-copy fragments: a veth that delivers the frame
    /// to a socket of this host must copy them into fresh pages (skb_copy_ubufs) and free those later, which cost the
    /// driver's core more than the one copy. False: the kernel's default, the slot's pages attached.
    /// </summary>
    public bool LinearTransmit { get; init; } = true;

    internal void Validate()
    {
        static void Check(bool ok, string name, object value, string rule)
        {
            if (!ok) throw new ArgumentOutOfRangeException(name, value, rule);
        }
        Check(RxBlockSize >= 4096 && RxBlockSize % 4096 == 0 && RxBlockSize <= 1 << 22, nameof(RxBlockSize), RxBlockSize, "a multiple of 4096 between 4 KiB and 4 MiB");
        Check(RxBlockCount is >= 2 and <= 4096, nameof(RxBlockCount), RxBlockCount, "2 to 4096 blocks");
        Check(RxFrameSize >= 2048 && (RxFrameSize & (RxFrameSize - 1)) == 0 && RxFrameSize <= RxBlockSize, nameof(RxFrameSize), RxFrameSize, "a power of two of at least 2048 and at most RxBlockSize");
        Check(Version is PacketRingVersion.V2 or PacketRingVersion.V3, nameof(Version), Version, "V2 or V3");
        Check(RetireTimeoutMs is >= 1 and <= 1000, nameof(RetireTimeoutMs), RetireTimeoutMs, "1 to 1000 ms");
        Check(TxFrameSize >= 2048 && (TxFrameSize & (TxFrameSize - 1)) == 0 && TxFrameSize <= TxBlockSize, nameof(TxFrameSize), TxFrameSize, "a power of two of at least 2048 (a 1514-byte frame plus the slot header) and at most TxBlockSize");
        Check(TxBlockSize >= 4096 && TxBlockSize % 4096 == 0 && TxBlockSize <= 1 << 22, nameof(TxBlockSize), TxBlockSize, "a multiple of 4096 between 4 KiB and 4 MiB");
        Check(TxFrameCount >= 2 && TxFrameCount % (TxBlockSize / TxFrameSize) == 0, nameof(TxFrameCount), TxFrameCount, $"a multiple of {TxBlockSize / TxFrameSize} (slots per transmit block), at least 2");
    }
}
