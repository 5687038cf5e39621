using System.Runtime.InteropServices;

namespace Multikernel.Net.Nic;

/// <summary>
/// The Linux calls and layouts behind an AF_PACKET socket with PACKET_MMAP rings (linux/if_packet.h, x86-64).
/// Offsets are those of the kernel structs: tpacket_block_desc / tpacket_hdr_v1 (a receive block) and tpacket3_hdr
/// (one frame in a receive block or one transmit slot).
/// </summary>
internal static unsafe partial class PacketSocketCalls
{
    public const int AF_PACKET = 17, SOCK_RAW = 3, SOCK_CLOEXEC = 0x80000;
    public const ushort ETH_P_ALL = 0x0003;
    public const int SOL_SOCKET = 1, SO_SNDBUF = 7, SO_SNDBUFFORCE = 32;
    public const int SOL_PACKET = 263;
    public const int PACKET_RX_RING = 5, PACKET_STATISTICS = 6, PACKET_VERSION = 10, PACKET_HDRLEN = 11,
        PACKET_TX_RING = 13, PACKET_LOSS = 14, PACKET_VNET_HDR = 15, PACKET_QDISC_BYPASS = 20, PACKET_IGNORE_OUTGOING = 23;
    public const int TPACKET_V2 = 1, TPACKET_V3 = 2;
    public const int TPACKET_ALIGNMENT = 16;

    // tpacket_block_desc: u32 version, u32 offset_to_priv, then tpacket_hdr_v1.
    public const int BlockStatusOffset = 8, BlockNumPacketsOffset = 12, BlockFirstPacketOffset = 16;
    // tpacket3_hdr.
    public const int FrameNextOffset = 0, FrameSnapLengthOffset = 12, FrameLengthOffset = 16, FrameStatusOffset = 20, FrameMacOffset = 24;
    /// <summary>sizeof(struct tpacket3_hdr): a frame header takes at least this much of its block.</summary>
    public const int FrameHeaderBytes = 48;
    // tpacket2_hdr.
    public const int V2StatusOffset = 0, V2LengthOffset = 4, V2SnapLengthOffset = 8, V2MacOffset = 12;

    // struct virtio_net_hdr (linux/virtio_net.h, little-endian on x86-64): u8 flags, u8 gso_type, u16 hdr_len,
    // u16 gso_size, u16 csum_start, u16 csum_offset. With PACKET_VNET_HDR it precedes every frame in both rings.
    public const int VnetHeaderBytes = 10, VnetHeaderLengthOffset = 2;

    // tp_status bits (receive).
    public const uint TP_STATUS_KERNEL = 0, TP_STATUS_USER = 1, TP_STATUS_LOSING = 4, TP_STATUS_CSUMNOTREADY = 8, TP_STATUS_CSUM_VALID = 128;
    // tp_status values (transmit).
    public const uint TP_STATUS_AVAILABLE = 0, TP_STATUS_SEND_REQUEST = 1, TP_STATUS_SENDING = 2, TP_STATUS_WRONG_FORMAT = 4;

    public const int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1, MAP_POPULATE = 0x8000;
    public const int MSG_DONTWAIT = 0x40;
    public const uint SIOCGIFMTU = 0x8921, SIOCGIFHWADDR = 0x8927, SIOCGIFINDEX = 0x8933;
    public const int EAGAIN = 11, EINTR = 4, ENOBUFS = 105;

    /// <summary>struct tpacket_req3.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct RingRequest
    {
        public uint BlockSize, BlockCount, FrameSize, FrameCount, RetireTimeoutMs, SizeOfPrivate, FeatureRequestWord;
    }

    /// <summary>struct sockaddr_ll (20 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SockaddrLl
    {
        public ushort Family;
        public ushort Protocol; // network order
        public int InterfaceIndex;
        public ushort HardwareType;
        public byte PacketType;
        public byte AddressLength;
        public ulong Address;
    }

    /// <summary>struct ifreq (40 bytes): the name, then a union whose first member is a sockaddr or an int.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 40)]
    public struct InterfaceRequest
    {
        public fixed byte Name[16];
        public fixed byte Union[24];
    }

    /// <summary>struct tpacket_stats_v3.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct StatsV3
    {
        public uint Packets, Drops, FreezeCount;
    }

    [LibraryImport("libc", SetLastError = true)]
    public static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setsockopt(int fd, int level, int name, void* value, uint length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int getsockopt(int fd, int level, int name, void* value, uint* length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int bind(int fd, SockaddrLl* address, uint length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int ioctl(int fd, nuint request, InterfaceRequest* ifr);

    [LibraryImport("libc", SetLastError = true)]
    public static partial void* mmap(void* address, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int munmap(void* address, nuint length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint sendto(int fd, void* buffer, nuint length, int flags, void* address, uint addressLength);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    public static Exception Failure(string call) =>
        new IOException($"{call} failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())} (errno {Marshal.GetLastPInvokeError()})");
}
