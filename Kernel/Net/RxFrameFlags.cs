namespace Multikernel.Net;

/// <summary>What the receive ring says about a frame's transport checksum (from the tpacket status word).</summary>
[Flags]
public enum RxFrameFlags
{
    None = 0,
    /// <summary>TP_STATUS_CSUMNOTREADY: the frame was built by a kernel stack on this host with checksum offload; the TCP/UDP checksum field holds only the pseudo-header sum. The bytes never crossed a physical wire.</summary>
    ChecksumPartial = 1,
    /// <summary>TP_STATUS_CSUM_VALID: the kernel (or a NIC) has verified the transport checksum.</summary>
    ChecksumVerified = 2,
}
