using Multikernel.CpuDriver;

namespace Fig1.SharedState;

/// <summary>
/// A measurement dispatcher that runs once: it keeps its core awake until the host opens the gate of its
/// outcome (<see cref="IMeasurementOutcome{T}"/>: a task in thread mode, a shared block in process mode), then runs
/// <see cref="Measure"/> inside one run upcall (owning its core for the whole measurement) and publishes the result or
/// the exception through the outcome.
/// </summary>
public abstract class GatedMeasurement<T> : Dispatcher
{
    readonly IMeasurementOutcome<T> _outcome;
    bool _finished;

    protected GatedMeasurement(string name, IMeasurementOutcome<T> outcome) : base(name) => _outcome = outcome;

    protected internal sealed override bool HasLocalWork => _outcome.IsOpen && !_finished;

    protected internal sealed override bool Run()
    {
        if (_finished || !_outcome.IsOpen) return false;
        _finished = true;
        try { _outcome.Succeed(Measure()); }
        catch (Exception e) { _outcome.Fail(e); }
        finally { AfterMeasure(); }
        return true;
    }

    /// <summary>Counts a finished step of the measurement in the outcome's progress (for the host's stall bound); call it outside timed phases.</summary>
    protected void AdvanceProgress() => _outcome.Advance();

    /// <summary>The whole measurement, on this dispatcher's core.</summary>
    protected abstract T Measure();

    /// <summary>Releases what the measurement used, whether it succeeded or not.</summary>
    protected virtual void AfterMeasure() { }
}
