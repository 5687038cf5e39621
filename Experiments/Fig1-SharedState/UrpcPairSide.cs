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

    /// <summary>This side's end of the binding to the other core.</summary>
    protected readonly UrpcEndpoint Peer;

    protected UrpcPairSide(string name, UrpcEndpoint peer, SweepSize size, IMeasurementOutcome<PairSideReport> outcome) : base(name, outcome)
    {
        Peer = peer;
        _size = size;
    }

    /// <summary><paramref name="count"/> round trips; cycles per round trip where this side times them (A), else NaN.</summary>
    protected abstract double RoundTrips(int count);

    /// <summary><paramref name="count"/> stamped messages each way; the mean one-way cycles towards this side.</summary>
    protected abstract double OneWay(int rep, int count, bool warmup);

    /// <summary>One stream of <paramref name="count"/> messages; its rate in messages per 1000 cycles where this side
    /// times it (B), else NaN. A side that finds a wrong message sets <paramref name="failure"/> (the first one stays).</summary>
    protected abstract double Stream(int rep, int count, bool warmup, ref string? failure);

    /// <summary>Which of the side's own figures the report carries besides the latency (<see cref="PairSideReport.Other"/>):
    /// the round trips (A) or the stream rate (B).</summary>
    protected abstract bool ReportsRoundTrips { get; }

    protected sealed override PairSideReport Measure()
    {
        int reps = _size.Repetitions;
        var roundTrip = new double[reps];
        var oneWay = new double[reps];
        var stream = new double[reps];
        var disturbedLatency = new bool[reps];
        var disturbedStream = new bool[reps];
        string? failure = null;
        for (int r = 0; r < reps; r++)
        {
            RoundTrips(_size.Warmup);
            long switches = ContextSwitches.InvoluntaryOfThisThread();
            roundTrip[r] = RoundTrips(_size.Iterations);
            disturbedLatency[r] = ContextSwitches.InvoluntaryOfThisThread() != switches;
        }
        for (int r = 0; r < reps; r++)
        {
            OneWay(r, _size.Warmup, warmup: true);
            long switches = ContextSwitches.InvoluntaryOfThisThread();
            oneWay[r] = OneWay(r, _size.Iterations, warmup: false);
            disturbedLatency[r] |= ContextSwitches.InvoluntaryOfThisThread() != switches;
        }
        for (int r = 0; r < reps; r++)
        {
            Stream(r, _size.Warmup, warmup: true, ref failure);
            long switches = ContextSwitches.InvoluntaryOfThisThread();
            stream[r] = Stream(r, _size.Iterations, warmup: false, ref failure);
            disturbedStream[r] = ContextSwitches.InvoluntaryOfThisThread() != switches;
        }
        return new PairSideReport
        {
            Latency = oneWay, Other = ReportsRoundTrips ? roundTrip : stream,
            DisturbedLatency = disturbedLatency, DisturbedStream = disturbedStream, Failure = failure,
        };
    }
}
