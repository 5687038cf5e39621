namespace Benchmarks.Native;

/// <summary>Median round trip (cycles, mean of a batch of 64) of each pairing of pinger and echo implementations.</summary>
public sealed record MixedResult(double CsPingerCsEcho, double CPingerCsEcho, double CsPingerCEcho, double CPingerCEcho);
