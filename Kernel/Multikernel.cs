using System.Runtime.InteropServices;
using Multikernel.CpuDriver;
using Multikernel.Hardware;
using Multikernel.Urpc;
using MonitorDispatcher = Multikernel.Monitor.Monitor;

namespace Multikernel;

/// <summary>What to boot: which cores, how big the monitors' rings are, how long an idle core polls before it sleeps.</summary>
public sealed record MultikernelOptions
{
    /// <summary>OS CPU numbers to boot on, in core-index order (index 0 is the bootstrap core). Null: every allowed CPU.</summary>
    public IReadOnlyList<int>? Cores { get; init; }
    public int RingSlots { get; init; } = 16;
    /// <summary>Cycles an idle core keeps polling before it blocks on its notifier.</summary>
    public long PollCycles { get; init; } = 200_000;
    public TimeSpan BootTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// A booted multikernel: on every chosen core a pinned CPU driver thread with a monitor dispatcher, the monitors
/// connected pairwise by URPC bindings. The host process (tests, experiment drivers) is outside the system and
/// talks to it only through a per-core host port: a URPC ring into that core's monitor.
/// <see cref="Dispose"/> shuts every core down, joins the threads and frees all channel memory.
/// </summary>
public sealed class MultikernelSystem : IDisposable
{
    readonly CpuDriver.CpuDriver[] _drivers;
    readonly MonitorDispatcher[] _monitors;
    readonly List<UrpcBinding> _bindings = new();
    readonly UrpcChannel[] _hostPorts;
    readonly object[] _hostPortLocks;
    bool _shutDown;

    public IReadOnlyList<int> Cores { get; }
    public int CoreCount => Cores.Count;
    public MachineTopology Topology { get; }

    MultikernelSystem(IReadOnlyList<int> cores, MultikernelOptions o)
    {
        Cores = cores;
        Topology = MachineTopology.Current;
        int n = cores.Count;
        _drivers = new CpuDriver.CpuDriver[n];
        _monitors = new MonitorDispatcher[n];
        _hostPorts = new UrpcChannel[n];
        _hostPortLocks = new object[n];
        for (int i = 0; i < n; i++)
        {
            _drivers[i] = new CpuDriver.CpuDriver(cores[i], i, o.PollCycles);
            _monitors[i] = new MonitorDispatcher(n, cores);
            _drivers[i].Adopt(_monitors[i]);
            _hostPorts[i] = new UrpcChannel(16, NodeOf(cores[i]));
            _hostPortLocks[i] = new object();
            _monitors[i].ConnectHost(_hostPorts[i]);
        }
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
            {
                var b = new UrpcBinding(o.RingSlots, NodeOf(cores[i]), NodeOf(cores[j]));
                _bindings.Add(b);
                _monitors[i].ConnectPeer(j, b.A);
                _monitors[j].ConnectPeer(i, b.B);
            }
    }

    int NodeOf(int cpu) => Topology.Contains(cpu) ? Topology[cpu].NumaNode : -1;

    /// <summary>
    /// Boots a CPU driver and a monitor on each chosen core and checks that every monitor answers a ping from the
    /// bootstrap monitor. Throws <see cref="ArgumentException"/> naming the allowed cores for a core outside the
    /// affinity mask, a repeated core or an empty list.
    /// </summary>
    public static MultikernelSystem Boot(MultikernelOptions? options = null)
    {
        var o = options ?? new MultikernelOptions();
        var allowed = CoreAffinity.AllowedCpus();
        var cores = (o.Cores ?? allowed).ToArray();
        if (cores.Length == 0) throw new ArgumentException("boot needs at least one core", nameof(options));
        foreach (int c in cores)
            if (!allowed.Contains(c))
                throw new ArgumentException($"cannot boot on core {c}: it is not in this process's affinity mask; allowed cores: {CoreAffinity.FormatList(allowed)}", nameof(options));
        if (cores.Distinct().Count() != cores.Length)
            throw new ArgumentException($"core list {string.Join(',', cores)} names a core twice; each core runs one CPU driver", nameof(options));
        if (!BitIsPow2(o.RingSlots))
            throw new ArgumentException($"RingSlots {o.RingSlots} is not a power of two from {UrpcChannel.MinSlots} to {UrpcChannel.MaxSlots}", nameof(options));

        var mk = new MultikernelSystem(cores, o);
        try
        {
            for (int i = 0; i < cores.Length; i++) mk._drivers[i].Start($"cpu{cores[i]}");
            foreach (var d in mk._drivers)
                if (!d.Started.Wait(o.BootTimeout) || d.Fault != null)
                    throw new InvalidOperationException($"core {d.Core} did not come up: {d.Fault?.Message ?? "timeout"}");
            // Every monitor must answer the bootstrap monitor over its URPC binding.
            int peers = cores.Length - 1;
            var allAnswered = mk.CallOnAsync<bool>(0, (m, done) =>
            {
                if (peers == 0) { done(true); return; }
                int answered = 0;
                for (int p = 1; p < m.CoreCount; p++) m.Ping(p, () => { if (++answered == peers) done(true); });
            });
            if (!allAnswered.Wait(o.BootTimeout))
                throw new InvalidOperationException($"not every monitor answered the bootstrap monitor within {o.BootTimeout.TotalSeconds} s");
            return mk;
        }
        catch
        {
            mk.Dispose();
            throw;
        }
    }

    static bool BitIsPow2(int x) => x >= UrpcChannel.MinSlots && x <= UrpcChannel.MaxSlots && (x & (x - 1)) == 0;

    /// <summary>Runs <paramref name="call"/> on the monitor of core index <paramref name="coreIndex"/> and returns its result to the host.</summary>
    public Task<T> CallOn<T>(int coreIndex, Func<MonitorDispatcher, T> call) =>
        CallOnAsync<T>(coreIndex, (m, done) => done(call(m)));

    /// <summary>
    /// Runs <paramref name="start"/> on the monitor of core index <paramref name="coreIndex"/>; the host's task
    /// completes when the code on that core calls the completion callback (possibly after further messages).
    /// </summary>
    public Task<T> CallOnAsync<T>(int coreIndex, Action<MonitorDispatcher, Action<T>> start)
    {
        if ((uint)coreIndex >= (uint)CoreCount) throw new ArgumentOutOfRangeException(nameof(coreIndex), coreIndex, $"core index must be 0..{CoreCount - 1}");
        ObjectDisposedException.ThrowIf(_shutDown, this);
        var call = new HostCall<T>(start);
        var handle = GCHandle.Alloc(call);
        lock (_hostPortLocks[coreIndex])
            _hostPorts[coreIndex].Send(Monitor.MonitorMessage.HostCall, (ulong)GCHandle.ToIntPtr(handle));
        return call.Task;
    }

    /// <summary>Asks the monitor of <paramref name="fromCore"/> to start a dispatcher on <paramref name="toCore"/> (core indices) and waits for the reply.</summary>
    public Task<DispatcherId> SpawnAsync(int fromCore, int toCore, Func<Dispatcher> image)
    {
        if ((uint)toCore >= (uint)CoreCount) throw new ArgumentOutOfRangeException(nameof(toCore), toCore, $"core index must be 0..{CoreCount - 1}");
        return CallOnAsync<Monitor.SpawnResult>(fromCore, (m, done) => m.SpawnOn(toCore, image, done))
            .ContinueWith(t => t.Result.Ok ? t.Result.Value.Id
                : throw new InvalidOperationException($"spawning on core #{toCore} failed: {t.Result.Value.Error!.Message}", t.Result.Value.Error),
                TaskContinuationOptions.ExecuteSynchronously);
    }

    /// <summary>Stops every core, joins its thread and frees all channels. Throws if a core does not stop in time.</summary>
    public void Shutdown(TimeSpan? timeout = null)
    {
        if (_shutDown) return;
        _shutDown = true;
        var t = timeout ?? TimeSpan.FromSeconds(10);
        for (int i = 0; i < _drivers.Length; i++)
            lock (_hostPortLocks[i]) _hostPorts[i].Send(Monitor.MonitorMessage.Shutdown);
        var stuck = _drivers.Where(d => !d.Join(t)).Select(d => d.Core).ToList();
        if (stuck.Count > 0)
            throw new TimeoutException($"cores {string.Join(',', stuck)} did not stop within {t.TotalSeconds} s; their memory is not freed");
        foreach (var b in _bindings) b.Dispose();
        foreach (var p in _hostPorts) p.Dispose();
        foreach (var d in _drivers) d.Dispose();
        var faults = _drivers.Where(d => d.Fault != null).ToList();
        if (faults.Count > 0)
            throw new AggregateException("CPU drivers faulted", faults.Select(d => d.Fault!));
    }

    public void Dispose() => Shutdown();

    sealed class HostCall<T>(Action<MonitorDispatcher, Action<T>> start) : Monitor.HostCall
    {
        // Continuations run on the thread pool, never on a core's CPU-driver thread.
        readonly TaskCompletionSource<T> _tcs = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public Task<T> Task => _tcs.Task;
        public override void Execute(MonitorDispatcher monitor)
        {
            try { start(monitor, r => _tcs.TrySetResult(r)); }
            catch (Exception e) { _tcs.TrySetException(e); }
        }
    }
}
