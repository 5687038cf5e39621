namespace Multikernel.Hardware;

/// <summary>One logical CPU as the kernel sees it: which package, NUMA node and L3 domain it belongs to.</summary>
public sealed record CoreInfo(int Cpu, int Package, int NumaNode, int L3Domain, int CoreId);
