using Fig3.TlbShootdown;

namespace Experiments.Tests;

/// <summary>
/// The frame of the Linux baselines (<see cref="HostBaseline"/>) with measuring bodies the test writes: how a
/// repetition's sample is formed, and how a body that fails or throws ends the run.
/// </summary>
public class Fig3HostBaselineTests
{
    static readonly SweepSize Size = new(Iterations: 3, Repetitions: 2, Warmup: 1);

    [Fact]
    public void ARepetitionsSampleIsTheMedianOfItsTimedCallsAfterTheWarmUp()
    {
        var reps = new HostBaseline.Repetitions(Size);
        reps.Begin();
        foreach (var (op, cycles) in new[] { (0, 1000UL), (1, 30UL), (2, 10UL), (3, 20UL) }) reps.Record(op, cycles);
        Assert.Equal(4L, reps.Recorded); // the warm-up call counts as progress, not as a sample
        reps.End();
        Assert.Equal(1, reps.Completed);
        Assert.Equal([20.0], reps.Samples);
        Assert.Single(reps.Disturbed);
    }

    [Fact]
    public void AStoppedRunThrowsAtItsNextCall()
    {
        var reps = new HostBaseline.Repetitions(Size);
        reps.Begin();
        reps.Record(0, 5);
        reps.Stop();
        var e = Assert.Throws<OperationCanceledException>(() => reps.Record(1, 5));
        Assert.Contains("the run stalled", e.Message);
    }

    [Fact]
    public void ABaselineWhoseBodyFailsBeforeItsFirstRepetitionEndsIsAnError()
    {
        var e = Assert.Throws<InvalidOperationException>(() => HostBaseline.Run("Linux test", TestCores.First(1), Size, "the", () => "calls", () => 0,
            (_, _) => "the first call failed", () => ""));
        Assert.Equal("Linux test: no repetition completed: the first call failed", e.Message);
    }

    [Fact]
    public void ABaselineWhoseBodyThrowsAfterARepetitionFailsWithItsException()
    {
        // One whole repetition, then an exception: the run must not pass on the repetition it has.
        var e = Assert.Throws<AggregateException>(() => HostBaseline.Run("Linux test", TestCores.First(1), Size, "the", () => "calls", () => 0, (_, reps) =>
        {
            reps.Begin();
            for (int i = 0; i < Size.OpsPerRepetition; i++) reps.Record(i, 100);
            reps.End();
            throw new InvalidOperationException("the second repetition's call threw");
        }, () => ""));
        Assert.StartsWith("a measurement thread failed: the second repetition's call threw", e.Message);
    }
}
