namespace Splash.Barnes;

/// <summary>
/// One run of BARNES: the wall-clock seconds of the team (all steps, as the reference's COMPUTETIME), the diagnostics of
/// every step, the bodies' state before and after, and the bytes the workers allocated inside their force loops
/// (allocation probes on each worker's thread), and where worker 0's time went.
/// </summary>
public sealed record BarnesRun(
    double Seconds,
    int Workers,
    IReadOnlyList<StepDiagnostics> Steps,
    BodySummary Initial,
    BodySummary Final,
    long ForceLoopBytes,
    BarnesPhases Phases);
