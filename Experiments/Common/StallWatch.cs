namespace Experiments.Common;

/// <summary>
/// Decides when a measurement that counts its finished steps (operations, calls, batches) has stalled. The count must
/// change within an allowance: the stall interval, or <see cref="StepGrowth"/> times the longest step seen so far,
/// whichever is longer. So a run whose steps are long by design (Fig 1's batches at a large <c>--iterations</c>, each
/// step ten times its warm-up) is waited for, while a run that stops counting ends within its allowance.
/// <para>The waiting thread wakes every <see cref="Poll"/> at most (<see cref="NextWait"/>) and calls
/// <see cref="Stalled"/>, which reads the count: a step is measured to within one poll. Invariants: the allowance
/// never falls below the stall interval and never shrinks; the count and the time of its last change only move
/// forward.</para>
/// </summary>
public sealed class StallWatch
{
    /// <summary>How many times the longest step so far the next may take: Fig 1's timed batch is ten times its
    /// warm-up batch (<c>SweepSize.For</c>), so the first timed batch gets twice what it needs.</summary>
    public const int StepGrowth = 20;

    /// <summary>The longest the waiting thread sleeps between two reads of the count.</summary>
    public static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    readonly Func<long> _progress;
    readonly TimeSpan _stall;
    readonly TimeProvider _clock;
    long _count;
    long _changedAt;
    TimeSpan _longestStep;

    /// <param name="progress">The count, read on the waiting thread (from another thread than the one that advances it: only a change is looked for).</param>
    /// <param name="stall">The least time the count may stand still.</param>
    /// <param name="clock">The clock (tests give a fake one); the system's by default.</param>
    public StallWatch(Func<long> progress, TimeSpan stall, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(progress);
        if (stall <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(stall), stall, "the stall interval must be positive");
        _progress = progress;
        _stall = stall;
        _clock = clock ?? TimeProvider.System;
        _count = progress();
        _changedAt = _clock.GetTimestamp();
    }

    /// <summary>How long the count may stand still now: the stall interval or <see cref="StepGrowth"/> times the longest step so far.</summary>
    public TimeSpan Allowed => _longestStep * StepGrowth > _stall ? _longestStep * StepGrowth : _stall;

    /// <summary>The count when last read.</summary>
    public long Count => _count;

    /// <summary>How long to wait before the next <see cref="Stalled"/>: <see cref="Poll"/>, or less when the allowance ends sooner (1 ms at least).</summary>
    public TimeSpan NextWait
    {
        get
        {
            var left = Allowed - _clock.GetElapsedTime(_changedAt);
            return left < Poll ? (left > TimeSpan.FromMilliseconds(1) ? left : TimeSpan.FromMilliseconds(1)) : Poll;
        }
    }

    /// <summary>Reads the count: true when it has not changed for the whole allowance (the caller gives up, naming
    /// <see cref="Allowed"/> and <see cref="Count"/>); a change records the step's length and restarts the allowance.</summary>
    public bool Stalled()
    {
        long now = _progress();
        var since = _clock.GetElapsedTime(_changedAt);
        if (now != _count)
        {
            if (since > _longestStep) _longestStep = since;
            _count = now;
            _changedAt = _clock.GetTimestamp();
            return false;
        }
        return since >= Allowed;
    }

    /// <summary>"no progress for N s": the allowance as an error message states it.</summary>
    public string NoProgressText => $"no progress for {Allowed.TotalSeconds:0.###} s";
}
