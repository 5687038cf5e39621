namespace Fig3.TlbShootdown;

/// <summary>
/// The other cores' side of the Linux baselines: one host thread pinned to each core, reading one word of every page
/// of a shared region over and over, so that each of those cores runs this process (the kernel must flush its TLB
/// by IPI on every unmap or protection change) and its TLB holds the region's translations.
/// <para>Invariant: touchers only read, and only the region they were given; <see cref="Stop"/> joins them all.</para>
/// </summary>
public sealed unsafe class PageTouchers
{
    readonly Thread[] _threads;
    readonly PaddedLong[] _sweeps;       // per toucher: completed passes over the region
    readonly long[] _switches;
    volatile bool _stop;
    Exception? _error;

    public IReadOnlyList<int> Cores { get; }

    PageTouchers(IReadOnlyList<int> cores, nint region, int pages)
    {
        Cores = cores;
        _sweeps = new PaddedLong[cores.Count];
        _switches = new long[cores.Count];
        int pageSize = LinuxVm.PageSize;
        _threads = cores.Select((core, i) => new Thread(() =>
        {
            try
            {
                CoreAffinity.PinCurrentThread(core);
                long before = ContextSwitches.InvoluntaryOfThisThread();
                long sum = 0;
                while (!_stop)
                {
                    for (int p = 0; p < pages; p++) sum += Volatile.Read(ref *(long*)(region + p * pageSize));
                    Volatile.Write(ref _sweeps[i].Value, _sweeps[i].Value + 1);
                }
                _switches[i] = ContextSwitches.InvoluntaryOfThisThread() - before;
                GC.KeepAlive(sum);
            }
            catch (Exception e) { _error = e; }
        }) { IsBackground = true, Name = $"toucher{core}" }).ToArray();
    }

    /// <summary>Starts a toucher on each core and returns once every one has read the whole region at least once.</summary>
    public static PageTouchers Start(IReadOnlyList<int> cores, nint region, int pages)
    {
        var t = new PageTouchers(cores, region, pages);
        foreach (var th in t._threads) th.Start();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        for (int i = 0; i < cores.Count; i++)
            while (Volatile.Read(ref t._sweeps[i].Value) == 0)
            {
                if (t._error != null || DateTime.UtcNow > deadline) { t.Stop(); throw new InvalidOperationException($"toucher on core {cores[i]} did not start: {t._error?.Message ?? "timeout"}"); }
                Thread.Sleep(1);
            }
        return t;
    }

    /// <summary>Stops and joins every toucher; returns each one's passes over the region and involuntary context switches.</summary>
    public (long[] Sweeps, long[] Switches) Stop()
    {
        _stop = true;
        foreach (var th in _threads)
            if (th.ThreadState != ThreadState.Unstarted && !th.Join(TimeSpan.FromSeconds(30)))
                throw new TimeoutException($"toucher {th.Name} did not stop");
        if (_error != null) throw new InvalidOperationException($"a toucher failed: {_error.Message}", _error);
        return (_sweeps.Select(s => s.Value).ToArray(), _switches.ToArray());
    }
}
