namespace Fig3.TlbShootdown;

/// <summary>
/// The frame both Linux baselines (<see cref="MprotectWorkload"/>, <see cref="MunmapWorkload"/>) share: a populated
/// region of <see cref="RegionPages"/> pages that k-1 host threads pinned to the other cores keep reading
/// (<see cref="PageTouchers"/>), so the kernel must shoot down their TLBs by IPI; the TLB-shootdown interrupt counts
/// before and after; and a measuring thread pinned to the first core, whose body times its own calls and hands each
/// repetition's latencies to <see cref="Repetitions"/>. Nothing of the frame runs inside a timed region.
/// <para>The run may take as long as the machine needs: it is stopped only when no call has completed for a whole
/// stall interval (<see cref="ShootdownWorkload.Stall"/>), by asking the measuring thread to stop at its next call.
/// Invariant: the region is unmapped only once the measuring thread has ended; one that does not end within another
/// stall interval keeps it mapped (leaked), so it never reads or changes an unmapped region.</para>
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
        long _switchesAtBegin, _recorded;
        volatile bool _stop;

        public int Completed { get; private set; }

        /// <summary>Operations recorded so far (warm-up included). Written only by the measuring thread, readable from any thread.</summary>
        public long Recorded => Volatile.Read(ref _recorded);

        /// <summary>Asks the measuring thread to stop: its next <see cref="Record"/> throws <see cref="OperationCanceledException"/>.</summary>
        public void Stop() => _stop = true;

        public void Begin() => _switchesAtBegin = ContextSwitches.InvoluntaryOfThisThread();

        /// <summary>Operation <paramref name="op"/> of this repetition (0 = the first warm-up one) took <paramref name="cycles"/>.</summary>
        public void Record(int op, ulong cycles)
        {
            int timed = op - _warmup;
            if (timed >= 0) _latencies[timed] = cycles;
            Volatile.Write(ref _recorded, _recorded + 1);
            if (_stop) throw new OperationCanceledException("the measuring thread was asked to stop: the run stalled");
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
    /// <param name="interruptCause">After the run: the calls it made, as the interrupt facts name them.</param>
    /// <param name="changingCalls">After the run: how many of the calls it made changed a page-table entry (each one the kernel
    /// must follow with a shootdown); a run that failed part-way made fewer than it planned, and its interrupts are divided by these.</param>
    /// <param name="measure">The measuring thread's body, given the region: returns the first failed check, or null.</param>
    /// <param name="checkedFacts">After the run: what the body checked, appended to the facts.</param>
    /// <param name="stall">How long no call may complete before the run stops with a <see cref="TimeoutException"/> (default <see cref="ShootdownWorkload.Stall"/>).</param>
    /// <param name="interrupts">Where the interrupt counts are read (default /proc/interrupts).</param>
    public static LatencySamples Run(string name, int[] cores, SweepSize size, string touched, Func<string> interruptCause, Func<long> changingCalls,
        Func<nint, Repetitions, string?> measure, Func<string> checkedFacts, TimeSpan? stall = null, string interrupts = "/proc/interrupts")
    {
        var stallAfter = stall ?? ShootdownWorkload.Stall;
        nint region = LinuxVm.MapAnonymous(RegionPages);
        var reps = new Repetitions(size);
        string? failure = null;
        PageTouchers? touchers = null;
        long[] sweeps = [], switches = [];
        Dictionary<int, long>? irqBefore = null, irqAfter = null;
        Exception? error = null;
        var measuring = new Thread(() =>
        {
            try
            {
                CoreAffinity.PinCurrentThread(cores[0]);
                failure = measure(region, reps);
            }
            catch (Exception e) { error = e; }
        }) { IsBackground = true, Name = $"measure{cores[0]}" };
        bool regionInUse = false;
        try
        {
            touchers = cores.Length > 1 ? PageTouchers.Start(cores[1..], region, RegionPages) : null;
            irqBefore = TlbShootdownInterrupts.Snapshot(interrupts);
            measuring.Start();
            regionInUse = true;
            long last = reps.Recorded;
            while (!measuring.Join(stallAfter))
            {
                long now = reps.Recorded;
                if (now != last) { last = now; continue; }
                reps.Stop();
                regionInUse = !measuring.Join(stallAfter);
                throw new TimeoutException($"{name}: no call completed for {stallAfter.TotalSeconds:0.#} s (still at {now} operations)" +
                                           (regionInUse ? "; the measuring thread did not stop, so its region stays mapped" : ""));
            }
            regionInUse = false;
            if (error != null) throw new AggregateException($"a measurement thread failed: {error.Message}", error);
        }
        finally
        {
            irqAfter = TlbShootdownInterrupts.Snapshot(interrupts);
            if (touchers != null) (sweeps, switches) = touchers.Stop();
            if (!regionInUse) LinuxVm.munmap(region, (nuint)RegionPages * (nuint)LinuxVm.PageSize);
        }
        if (failure == null && sweeps.Any(s => s < 2)) failure = "a toucher thread did not keep reading the region during the run";
        if (reps.Completed == 0) throw new InvalidOperationException($"{name}: no repetition completed: {failure}");
        string facts = (cores.Length > 1
            ? $"{cores.Length - 1} toucher thread(s) on cores {CoreList.Format(cores[1..])} read {touched} {RegionPages}-page region {string.Join('/', sweeps)} times, descheduled {string.Join('/', switches)} time(s)"
              + "; " + TlbShootdownInterrupts.Describe(irqBefore, irqAfter, cores[1..], interruptCause())
            : "no other core runs this process: the kernel flushes only the local TLB") +
            "; " + checkedFacts();
        return new LatencySamples
        {
            Cycles = reps.Samples, Disturbed = reps.Disturbed, Failure = failure, Facts = facts,
            ShootdownInterruptsPerCall = cores.Length > 1 ? TlbShootdownInterrupts.PerCall(irqBefore, irqAfter, cores[1..], changingCalls()) : null,
        };
    }
}
