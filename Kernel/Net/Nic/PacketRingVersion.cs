namespace Multikernel.Net.Nic;

/// <summary>The PACKET_MMAP ring layout (linux/if_packet.h): TPACKET_V2 has a status word per frame slot, TPACKET_V3 per block of frames.</summary>
public enum PacketRingVersion
{
    V2 = 1,
    V3 = 2,
}
