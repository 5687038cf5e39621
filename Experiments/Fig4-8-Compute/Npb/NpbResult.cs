namespace Npb;

/// <summary>
/// One run of one benchmark. <see cref="Seconds"/> is the region NPB itself times; <see cref="Mops"/> uses NPB's
/// operation count for the benchmark and class. <see cref="Verified"/> is true only if every official check passed;
/// <see cref="Detail"/> says what was checked and, on failure, which check failed and by how much.
/// </summary>
public sealed record NpbResult(
    string Benchmark,
    ProblemClass Class,
    int Workers,
    double Seconds,
    double Mops,
    bool Verified,
    string Detail);
