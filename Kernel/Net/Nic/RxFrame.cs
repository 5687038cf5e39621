namespace Multikernel.Net.Nic;

/// <summary>
/// A descriptor of one received frame that stays in the receive ring: block (TPACKET_V3) or slot (TPACKET_V2)
/// <see cref="Block"/>, <see cref="Offset"/> bytes into it, <see cref="Length"/> bytes long. It names the frame without
/// holding a pointer, so it can cross to another core in a message; the slot, or the block once every frame taken from
/// it has been released, goes back to the kernel with <see cref="PacketRing.Release"/>.
/// </summary>
public readonly record struct RxFrame(int Block, int Offset, int Length, RxFrameFlags Flags);
