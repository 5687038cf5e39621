using Multikernel.Monitor.Agreement;

namespace Fig3.TlbShootdown;

/// <summary>
/// The measuring loop both multikernel workloads (thread mode and process mode) run on the initiator's core, inside
/// its monitor: for each repetition, one batch of every series in rotating order (repetition r starts with series
/// r mod S), so slow drift of the machine during the run (frequency, the host moving a virtual CPU) falls on every
/// series alike. A batch issues warm-up then timed operations back to back, each started from the previous one's
/// completion. An operation is a timed step (from just before it starts until every participant has acknowledged
/// it), then as many untimed steps as the subclass asks for (<see cref="After.UntimedStep"/>), and may hold the next
/// operation back until the subclass resumes it (<see cref="After.NextOperationOnResume"/>). One sample per series and
/// repetition: the median of the batch's timed steps.
/// <para>The 1PC and 2PC series are the same in both modes and run here: each toggles a row of the replicated
/// domain-placement table that only this loop writes (one row per series); a 2PC that aborts ends the loop with a
/// failure. The shootdown and unmap series are the subclass's (<see cref="IssueTranslation"/>).</para>
/// <para>A step with no remote participant completes inside its own start; the loop then continues iteratively (a
/// trampoline), so the stack never grows with the number of operations. The timed path allocates nothing.</para>
/// <para>Every step is one agreement started by this core, one at a time, so each completion must be of the step in
/// flight, and its tag's sequence above every earlier completion's; a completion that is not (delivered twice, or of
/// nothing this loop started) ends the loop with a failure, or, once the loop has finished, is kept in
/// <see cref="CompletionFailure"/>.</para>
/// </summary>
public abstract class InterleavedShootdownLoop : IAgreementCompletion, IOperationLoop
{
    /// <summary>Placement-table rows the 1PC and 2PC series toggle: this plus the series index (no domain has such an id).</summary>
    public const ulong ToggledRows = 1UL << 40;

    /// <summary>What follows a completed step.</summary>
    protected enum After
    {
        /// <summary>Another, untimed, step of the same operation.</summary>
        UntimedStep,
        /// <summary>The operation is done; the next one starts now.</summary>
        NextOperation,
        /// <summary>The operation is done; the next one starts when the subclass calls <see cref="Resume"/>.</summary>
        NextOperationOnResume,
    }

    readonly ShootdownSeries[] _series;
    readonly SweepSize _size;
    readonly ulong[] _latencies;
    readonly double[][] _samples;
    readonly bool[][] _disturbed;
    readonly bool[] _placed;
    int _rep, _position, _op;
    long _completed, _switchesAtBatchStart;
    ulong _t0, _lastSequence;
    bool _timedStep = true, _issuing, _again, _finished, _stepInFlight;

    /// <summary>
    /// Operations completed so far. Written only by the loop's core, readable from any thread: a watcher tells a slow
    /// run (an emulated machine) from a stalled one by whether this still grows.
    /// </summary>
    public long OperationsCompleted => Volatile.Read(ref _completed);

    /// <summary>The first completion that was not of the step in flight (see the class remarks), or null.</summary>
    public string? CompletionFailure { get; private set; }

    /// <summary>This core's agreement protocol (its monitor's).</summary>
    protected AgreementService Agreement { get; }
    /// <summary>The cores the 1PC and 2PC series agree among.</summary>
    protected CoreSet AgreementParticipants { get; }

    protected InterleavedShootdownLoop(AgreementService agreement, ShootdownSeries[] series, CoreSet agreementParticipants, SweepSize size)
    {
        Agreement = agreement;
        AgreementParticipants = agreementParticipants;
        _series = series;
        _size = size;
        _latencies = new ulong[size.Iterations];
        _samples = series.Select(_ => new double[size.Repetitions]).ToArray();
        _disturbed = series.Select(_ => new bool[size.Repetitions]).ToArray();
        _placed = new bool[series.Length];
    }

    int Current => (_rep + _position) % _series.Length;

    /// <summary>Starts the loop; call on the initiator's core.</summary>
    public void Begin()
    {
        _switchesAtBatchStart = ContextSwitches.InvoluntaryOfThisThread();
        Pump();
    }

    /// <summary>
    /// Starts the current step of a shootdown or unmap operation of <paramref name="series"/> (its completion comes
    /// back through this loop's <see cref="IAgreementCompletion"/>); null, or why it could not start.
    /// </summary>
    protected abstract string? IssueTranslation(ShootdownSeries series, bool timedStep);

    /// <summary>A step of a shootdown or unmap operation has completed (untimed work here does not count); <paramref name="failure"/>: why the loop must stop, or null.</summary>
    protected abstract After TranslationCompleted(ShootdownSeries series, bool timedStep, out string? failure);

    /// <summary>
    /// An operation has completed, <paramref name="completed"/> so far (after its timed step, before the next one
    /// starts). A subclass whose watcher cannot read <see cref="OperationsCompleted"/> (it is in another process)
    /// publishes the count here.
    /// </summary>
    protected virtual void Progressed(long completed) { }

    /// <summary>Every repetition of every series is done, or the loop failed.</summary>
    protected abstract void Finished(ShootdownLoopReport report);

    /// <summary>Starts the next operation after <see cref="After.NextOperationOnResume"/>.</summary>
    protected void Resume()
    {
        if (!_finished) Continue();
    }

    /// <summary>Ends the loop with <paramref name="failure"/> instead of resuming it (nothing once it has finished).</summary>
    protected void Fail(string failure)
    {
        if (!_finished) Finish(failure);
    }

    /// <summary>
    /// After the loop, on its core: null when this core's replica of the placement table lists this core in every
    /// toggled row exactly where the row's last update placed it (an odd number of operations leaves a row placed);
    /// else which series' row does not.
    /// </summary>
    public string? ToggledRowsFailure()
    {
        var domains = Agreement.Replica.Domains;
        for (int i = 0; i < _series.Length; i++)
        {
            if (_series[i].Kind is not (SeriesKind.OnePhase or SeriesKind.TwoPhase)) continue;
            if (domains.CoresOf(ToggledRows + (ulong)i).Contains(Agreement.Core) != _placed[i])
                return $"the placement row toggled by {_series[i].Name} ({_series[i].Protocol}) does not say what its last update did";
        }
        return null;
    }

    void Pump()
    {
        do
        {
            _again = false;
            _issuing = true;
            int s = Current;
            var x = _series[s];
            _stepInFlight = true;
            if (_timedStep) _t0 = CycleClock.Now();
            switch (x.Kind)
            {
                case SeriesKind.OnePhase:
                    Agreement.StartOnePhase(x.Protocol, AgreementParticipants, Toggle(s), this);
                    break;
                case SeriesKind.TwoPhase:
                    Agreement.StartTwoPhase(x.Protocol, AgreementParticipants, Toggle(s), this);
                    break;
                default:
                    if (IssueTranslation(x, _timedStep) is { } failure) { _stepInFlight = false; Finish(failure); return; }
                    break;
            }
            _issuing = false;
        } while (_again && !_finished);
    }

    void Continue()
    {
        if (_issuing) _again = true;
        else Pump();
    }

    AgreementUpdate Toggle(int s)
    {
        ulong row = ToggledRows + (ulong)s;
        int core = Agreement.Core;
        return _placed[s] ? SystemTableUpdates.Remove(row, core) : SystemTableUpdates.Place(row, core);
    }

    public void Decided(in AgreementOutcome outcome) { }

    public void Completed(in AgreementOutcome outcome)
    {
        ulong t1 = CycleClock.Now();
        if (!_stepInFlight || outcome.Tag.Sequence <= _lastSequence)
        {
            CompletionFailure ??= $"agreement {outcome.Tag} completed when no step of the loop was waiting for it (a step completed twice, or an agreement the loop did not start)";
            if (!_finished) Finish(CompletionFailure);
            return;
        }
        _stepInFlight = false;
        _lastSequence = outcome.Tag.Sequence;
        int s = Current;
        var x = _series[s];
        if (outcome.TwoPhase && !outcome.Committed)
        {
            Finish($"a 2PC of {x.Name} aborted ({outcome.Reason}, refusal {outcome.Refusal}): nothing else runs agreements on these rows");
            return;
        }
        if (_timedStep)
        {
            int timed = _op - _size.Warmup;
            if (timed >= 0) _latencies[timed] = t1 - _t0;
        }
        After next;
        if (x.Kind is SeriesKind.OnePhase or SeriesKind.TwoPhase)
        {
            _placed[s] = !_placed[s];
            next = After.NextOperation;
        }
        else
        {
            next = TranslationCompleted(x, _timedStep, out string? failure);
            if (failure != null) { Finish(failure); return; }
        }
        if (next == After.UntimedStep)
        {
            _timedStep = false;
            Continue();
            return;
        }
        _timedStep = true;
        Volatile.Write(ref _completed, _completed + 1);
        Progressed(_completed);
        if (++_op == _size.OpsPerRepetition) EndBatch();
        if (_finished || next == After.NextOperationOnResume) return;
        Continue();
    }

    void EndBatch()
    {
        int s = Current;
        _disturbed[s][_rep] = ContextSwitches.InvoluntaryOfThisThread() != _switchesAtBatchStart;
        Array.Sort(_latencies);
        _samples[s][_rep] = SampleSummary.MedianOfSorted<ulong>(_latencies);
        _op = 0;
        if (++_position == _series.Length)
        {
            _position = 0;
            if (++_rep == _size.Repetitions)
            {
                Finish(null);
                return;
            }
        }
        _switchesAtBatchStart = ContextSwitches.InvoluntaryOfThisThread();
    }

    void Finish(string? failure)
    {
        _finished = true;
        int n = _series.Length;
        var cycles = new double[n][];
        var disturbed = new bool[n][];
        for (int s = 0; s < n; s++)
        {
            int ended = BatchesEnded(s);
            cycles[s] = _samples[s][..ended];
            disturbed[s] = _disturbed[s][..ended];
        }
        Finished(new ShootdownLoopReport(cycles, disturbed, _completed, failure));
    }

    /// <summary>
    /// Batches of series <paramref name="s"/> that ended: one per repetition before the current one, and one more if its
    /// place in the current repetition's rotation (repetition r runs series r mod S first) has passed.
    /// </summary>
    int BatchesEnded(int s)
    {
        int n = _series.Length;
        int place = ((s - _rep) % n + n) % n;
        return _rep + (place < _position ? 1 : 0);
    }
}
