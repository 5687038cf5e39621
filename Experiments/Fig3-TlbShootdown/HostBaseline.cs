namespace Fig3.TlbShootdown;

/// <summary>
/// The frame both Linux baselines (<see cref="MprotectWorkload"/>, <see cref="MunmapWorkload"/>) share: a populated
/// region of <see cref="RegionPages"/> pages that k-1 host threads pinned to the other cores keep reading
/// (<see cref="PageTouchers"/>), so the kernel must shoot down their TLBs by IPI; the TLB-shootdown interrupt counts
/// before and after; and a measuring thread pinned to the first core, whose body times its own calls and hands each
/// repetition's latencies to <see cref="Repetitions"/>. Nothing of the frame runs inside a timed region.
/// </summary>
static class HostBaseline
{
    public const int RegionPages = 16;

    /// <summary>
    /// The per-repetition samples of the measuring thread: <see cref="Begin"/> before a repetition's
    /// <see cref="SweepSize.OpsPerRepetition"/> operations, <see cref="Record"/> after each (the first
    /// <see cref="SweepSize.Warmup"/> are warm-up and dropped), <see cref="End"/> after them: the sample is the median
    /// of the timed latencies. Called only outside the timed calls.
    /// </summary>
    public sealed class Repetitions(SweepSize size)
    {
        readonly double[] _samples = new double[size.Repetitions];
        readonly bool[] _disturbed = new bool[size.Repetitions];
        readonly ulong[] _latencies = new ulong[size.Iterations];
        readonly int _warmup = size.Warmup;
        long _switchesAtBegin;

        public int Completed { get; private set; }

        public void Begin() => _switchesAtBegin = ContextSwitches.InvoluntaryOfThisThread();

        /// <summary>Operation <paramref name="op"/> of this repetition (0 = the first warm-up one) took <paramref name="cycles"/>.</summary>
        public void Record(int op, ulong cycles)
        {
            int timed = op - _warmup;
            if (timed >= 0) _latencies[timed] = cycles;
        }

        public void End()
        {
            _disturbed[Completed] = ContextSwitches.InvoluntaryOfThisThread() != _switchesAtBegin;
            Array.Sort(_latencies);
            _samples[Completed] = SampleSummary.MedianOfSorted<ulong>(_latencies);
            Completed++;
        }

        public double[] Samples => _samples[..Completed];
        public bool[] Disturbed => _disturbed[..Completed];
    }

    /// <param name="name">The baseline in messages, e.g. "Linux mprotect".</param>
    /// <param name="touched">How the facts name the region the touchers read, e.g. "the" or "a separate".</param>
    /// <param name="interruptCause">The timed run's calls, as the interrupt facts name them.</param>
    /// <param name="changingCalls">How many of those calls change a page-table entry (each one the kernel must follow with a shootdown).</param>
    /// <param name="measure">The measuring thread's body, given the region: returns the first failed check, or null.</param>
    /// <param name="checkedFacts">After the run: what the body checked, appended to the facts.</param>
    public static LatencySamples Run(string name, int[] cores, SweepSize size, string touched, string interruptCause, long changingCalls,
        Func<nint, Repetitions, string?> measure, Func<string> checkedFacts)
    {
        nint region = LinuxVm.MapAnonymous(RegionPages);
        var reps = new Repetitions(size);
        string? failure = null;
        PageTouchers? touchers = null;
        long[] sweeps = [], switches = [];
        Dictionary<int, long>? irqBefore = null, irqAfter = null;
        try
        {
            touchers = cores.Length > 1 ? PageTouchers.Start(cores[1..], region, RegionPages) : null;
            irqBefore = TlbShootdownInterrupts.Snapshot();
            PinnedThreadGroup.Run([cores[0]], (_, _) => failure = measure(region, reps), TimeSpan.FromMinutes(10));
        }
        finally
        {
            irqAfter = TlbShootdownInterrupts.Snapshot();
            if (touchers != null) (sweeps, switches) = touchers.Stop();
            LinuxVm.munmap(region, (nuint)RegionPages * (nuint)LinuxVm.PageSize);
        }
        if (failure == null && sweeps.Any(s => s < 2)) failure = "a toucher thread did not keep reading the region during the run";
        if (reps.Completed == 0) throw new InvalidOperationException($"{name}: no repetition completed: {failure}");
        string facts = (cores.Length > 1
            ? $"{cores.Length - 1} toucher thread(s) on cores {CoreList.Format(cores[1..])} read {touched} {RegionPages}-page region {string.Join('/', sweeps)} times, descheduled {string.Join('/', switches)} time(s)"
              + "; " + TlbShootdownInterrupts.Describe(irqBefore, irqAfter, cores[1..], interruptCause)
            : "no other core runs this process: the kernel flushes only the local TLB") +
            "; " + checkedFacts();
        return new LatencySamples
        {
            Cycles = reps.Samples, Disturbed = reps.Disturbed, Failure = failure, Facts = facts,
            ShootdownInterruptsPerCall = cores.Length > 1 ? TlbShootdownInterrupts.PerCall(irqBefore, irqAfter, cores[1..], changingCalls) : null,
        };
    }
}
