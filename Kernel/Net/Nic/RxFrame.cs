namespace Multikernel.Net.Nic;

/// <summary>
/// A descriptor of one received frame that stays in the receive ring: block <see cref="Block"/>, <see cref="Offset"/>
/// bytes into it, <see cref="Length"/> bytes long. It names the frame without holding a pointer, so it can cross to
/// another core in a message; the block goes back to the kernel when every frame taken from it has been released
/// (<see cref="PacketRing.Release"/>).
/// </summary>
public readonly record struct RxFrame(int Block, int Offset, int Length, RxFrameFlags Flags);
