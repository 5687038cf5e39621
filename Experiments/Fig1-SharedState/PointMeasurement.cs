namespace Fig1.SharedState;

/// <summary>
/// What one workload run produced: samples of cycles per operation (one per thread or client and repetition) and
/// the outcome of its correctness check (<see cref="Failure"/> is null when every counter and reply was as expected).
/// </summary>
public sealed class PointMeasurement
{
    public required double[] CyclesPerOp { get; init; }
    public string? Failure { get; init; }
    public bool Verified => Failure == null;
}
