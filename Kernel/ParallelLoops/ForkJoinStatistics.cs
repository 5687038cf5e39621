namespace Multikernel.ParallelLoops;

/// <summary>Fork-join counts of one dispatcher: regions it forked as master, chunks it ran, steal ranges it gave and received.</summary>
public readonly record struct ForkJoinStatistics(long Regions, long Chunks, long StealsGiven, long StealsReceived);
