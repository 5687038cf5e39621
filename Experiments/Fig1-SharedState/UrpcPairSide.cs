using Experiments.Common;
using Multikernel.Urpc;

namespace Fig1.SharedState;

/// <summary>
/// One side of the URPC pair benchmark (<see cref="UrpcPinger"/> on core A, <see cref="UrpcPonger"/> on core B). The
/// two sides run the same three phases in lockstep, each repetition a warm-up batch and then a timed one: round trips,
/// stamped one-way latency, a stream from A to B. This class runs the phases and records, per repetition, whether the
/// OS descheduled the side's thread in the timed batch (latency phases: round trips and one-way; stream phase); a side
/// says what one batch of each phase is on its end of the binding.
/// </summary>
public abstract class UrpcPairSide : GatedMeasurement<PairSideReport>
{
    readonly SweepSize _size;
    string? _failure;

    /// <summary>This side's end of the binding to the other core.</summary>
    protected readonly UrpcEndpoint Peer;

    protected UrpcPairSide(string name, UrpcEndpoint peer, SweepSize size, IMeasurementOutcome<PairSideReport> outcome) : base(name, outcome)
    {
        Peer = peer;
        _size = size;
    }

    /// <summary>A batch of <paramref name="count"/> round trips; cycles per round trip where this side times them (A), else NaN.</summary>
    protected abstract double RoundTrips(int rep, int count, bool warmup);

    /// <summary>A batch of <paramref name="count"/> stamped messages each way; the mean one-way cycles towards this side.</summary>
    protected abstract double OneWay(int rep, int count, bool warmup);

    /// <summary>One stream of <paramref name="count"/> messages; its rate in messages per 1000 cycles where this side
    /// times it (B), else NaN. A side that finds a wrong message reports it with <see cref="NoteFailure"/>.</summary>
    protected abstract double Stream(int rep, int count, bool warmup);

    /// <summary>Which of the side's own figures the report carries besides the latency (<see cref="PairSideReport.Other"/>):
    /// the round trips (A) or the stream rate (B).</summary>
    protected abstract bool ReportsRoundTrips { get; }

    /// <summary>Records what was wrong (the first report stays); null records nothing.</summary>
    protected void NoteFailure(string? failure) => _failure ??= failure;

    protected sealed override PairSideReport Measure()
    {
        var disturbedLatency = new bool[_size.Repetitions];
        var disturbedStream = new bool[_size.Repetitions];
        double[] roundTrip = Phase(RoundTrips, disturbedLatency);
        double[] oneWay = Phase(OneWay, disturbedLatency);
        double[] stream = Phase(Stream, disturbedStream);
        return new PairSideReport
        {
            Latency = oneWay, Other = ReportsRoundTrips ? roundTrip : stream,
            DisturbedLatency = disturbedLatency, DisturbedStream = disturbedStream, Failure = _failure,
        };
    }

    /// <summary>One phase: per repetition a warm-up batch, then a timed one. Returns the timed batches' figures and ORs
    /// into <paramref name="disturbed"/> whether the OS descheduled this thread during each. Each finished batch
    /// advances the outcome's progress, outside the timed batch.</summary>
    double[] Phase(Func<int, int, bool, double> batch, bool[] disturbed)
    {
        var figures = new double[_size.Repetitions];
        for (int r = 0; r < figures.Length; r++)
        {
            batch(r, _size.Warmup, true);
            AdvanceProgress();
            long switches = ContextSwitches.InvoluntaryOfThisThread();
            figures[r] = batch(r, _size.Iterations, false);
            disturbed[r] |= ContextSwitches.InvoluntaryOfThisThread() != switches;
            AdvanceProgress();
        }
        return figures;
    }
}
