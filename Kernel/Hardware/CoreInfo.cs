namespace Multikernel.Hardware;

/// <summary>
/// One logical CPU as the kernel sees it: which package, NUMA node and L3 domain it belongs to, and its physical core
/// (<see cref="CoreId"/>: the same for the hardware threads of one core, and only for them).
/// </summary>
public sealed record CoreInfo(int Cpu, int Package, int NumaNode, int L3Domain, int CoreId);
