namespace Benchmarks.Native;

/// <summary>Medians of one ping-pong measurement (cycles, TSC), as the native reference prints them.</summary>
/// <param name="RttBatchMedian">Median over batches of 64 round trips of the mean round trip (one TSC pair per batch).</param>
/// <param name="Build">For the native reference: the compiler and -march the binary reports it was built with.</param>
public sealed record PingPongResult(double RttMedian, double RttP10, double RttP90, double RttBatchMedian, double OneWayMedian, double MsgsPerKcycle, double RttReceiveMedian, string? Build = null);
