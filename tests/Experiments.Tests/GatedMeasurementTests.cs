using Fig1.SharedState;

namespace Experiments.Tests;

/// <summary>A gated measurement runs once, only after its gate opens, publishes its result or its failure, and always releases what it used.</summary>
public class GatedMeasurementTests
{
    /// <summary>A measurement that counts its runs and releases; the test makes its upcalls itself, on its own thread.</summary>
    sealed class Probe(IMeasurementOutcome<int> outcome, Func<int> measure) : GatedMeasurement<int>("probe", outcome)
    {
        public int Measured, Released;
        public bool LocalWork => HasLocalWork;
        public bool RunUpcall() => Run();
        protected override int Measure()
        {
            Measured++;
            return measure();
        }
        protected override void AfterMeasure() => Released++;
    }

    [Fact]
    public async Task TheMeasurementRunsOnceAndOnlyAfterTheGateOpens()
    {
        var outcome = new DispatcherOutcome<int>();
        var probe = new Probe(outcome, () => 42);
        Assert.False(probe.LocalWork);
        Assert.False(probe.RunUpcall());
        Assert.Equal(0, probe.Measured);
        outcome.Open();
        Assert.True(probe.LocalWork);
        Assert.True(probe.RunUpcall());
        Assert.False(probe.RunUpcall());
        Assert.False(probe.LocalWork);
        Assert.Equal((1, 1), (probe.Measured, probe.Released));
        Assert.True(outcome.Completion.IsCompletedSuccessfully);
        Assert.Equal(42, await outcome.Completion);
    }

    [Fact]
    public async Task AFailedMeasurementIsPublishedAndStillReleasesWhatItUsed()
    {
        var outcome = new DispatcherOutcome<int>();
        var probe = new Probe(outcome, () => throw new InvalidDataException("MSG server: unexpected message type 7 from client 0"));
        outcome.Open();
        Assert.True(probe.RunUpcall());
        Assert.Equal((1, 1), (probe.Measured, probe.Released));
        Assert.True(outcome.Completion.IsFaulted);
        await Assert.ThrowsAsync<InvalidDataException>(() => outcome.Completion);
    }
}
