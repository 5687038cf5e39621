using System.Runtime.InteropServices;
using Multikernel.Hardware;
using Multikernel.Threads;
using Multikernel.Urpc;

namespace Multikernel.Domains;

/// <summary>
/// A domain spanning several cores, as in Barrelfish: one <see cref="DomainDispatcher"/> per chosen core, started
/// through the monitors, sharing one address space (the process's; the application's data structures may be shared
/// memory) and connected pairwise by URPC bindings that carry the threads package's own messages (wake-ups, thread
/// creation, fork-join work and completions). Pairwise rather than a star through dispatcher 0: a mutex or barrier
/// wakes a thread on any dispatcher from any other, and dynamic fork-join steals between any two, so a star would
/// relay most of these through one core.
/// <para>This object is the host's handle (the host is outside the system): it starts a main user thread on
/// dispatcher 0 through the domain's host port and tears the domain down. Modelled: the binding memory is allocated
/// by the host before the dispatchers are spawned, where Barrelfish's monitors would allocate it.</para>
/// </summary>
public sealed class Domain : IAsyncDisposable, IDisposable
{
    static int s_nextId;

    readonly MultikernelSystem _system;
    readonly DomainOptions _options;
    readonly List<UrpcBinding> _bindings = new();
    readonly UrpcChannel _hostPort;
    readonly object _hostPortLock = new();
    readonly DomainDispatcher?[] _dispatchers;
    int _disposed;

    public int Id { get; }
    /// <summary>Core indices (of the booted system) of the domain's dispatchers, in dispatcher order.</summary>
    public IReadOnlyList<int> CoreIndices { get; }
    public int DispatcherCount => CoreIndices.Count;

    /// <summary>The domain whose dispatcher runs the caller (null outside any domain).</summary>
    public static Domain? Current => DomainDispatcher.Current?.Domain;

    Domain(MultikernelSystem system, IReadOnlyList<int> coreIndices, DomainOptions options)
    {
        _system = system;
        _options = options;
        Id = Interlocked.Increment(ref s_nextId);
        CoreIndices = coreIndices;
        int k = coreIndices.Count;
        _dispatchers = new DomainDispatcher?[k];
        _hostPort = new UrpcChannel(16, NodeOf(coreIndices[0]));
        Peers = new UrpcEndpoint?[k][];
        for (int i = 0; i < k; i++) Peers[i] = new UrpcEndpoint?[k];
        try
        {
            for (int i = 0; i < k; i++)
                for (int j = i + 1; j < k; j++)
                {
                    var b = new UrpcBinding(options.RingSlots, NodeOf(coreIndices[i]), NodeOf(coreIndices[j]));
                    _bindings.Add(b);
                    Peers[i][j] = b.A;
                    Peers[j][i] = b.B;
                }
        }
        catch
        {
            FreeChannels();
            throw;
        }
    }

    /// <summary>Per dispatcher, its ends of the bindings to the others (by dispatcher index; null for itself).</summary>
    UrpcEndpoint?[][] Peers { get; }

    int NodeOf(int coreIndex)
    {
        int cpu = _system.Cores[coreIndex];
        return _system.Topology.Contains(cpu) ? _system.Topology[cpu].NumaNode : -1;
    }

    /// <summary>
    /// Creates a domain with one dispatcher on each of <paramref name="coreIndices"/> (core indices of the booted
    /// system; null: all of them), spawned by the monitor of the first core. Dispatcher i runs on coreIndices[i].
    /// </summary>
    public static async Task<Domain> CreateAsync(MultikernelSystem system, IReadOnlyList<int>? coreIndices = null, DomainOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        var o = options ?? new DomainOptions();
        var cores = (coreIndices ?? Enumerable.Range(0, system.CoreCount).ToArray()).ToArray();
        if (cores.Length == 0) throw new ArgumentException("a domain needs at least one core", nameof(coreIndices));
        foreach (int c in cores)
            if ((uint)c >= (uint)system.CoreCount)
                throw new ArgumentOutOfRangeException(nameof(coreIndices), c, $"core index {c} is not booted; this system has core indices 0..{system.CoreCount - 1}");
        if (cores.Distinct().Count() != cores.Length)
            throw new ArgumentException($"core indices {string.Join(',', cores)} name a core twice; a domain has one dispatcher per core", nameof(coreIndices));
        if (o.RingSlots < UrpcChannel.MinSlots || o.RingSlots > UrpcChannel.MaxSlots || (o.RingSlots & (o.RingSlots - 1)) != 0)
            throw new ArgumentException($"RingSlots {o.RingSlots} is not a power of two from {UrpcChannel.MinSlots} to {UrpcChannel.MaxSlots}", nameof(options));
        if (o.SpinAfterRegion < TimeSpan.Zero)
            throw new ArgumentException($"SpinAfterRegion {o.SpinAfterRegion} is negative", nameof(options));

        var domain = new Domain(system, cores, o);
        ulong spin = (ulong)CycleClock.FromNanoseconds(o.SpinAfterRegion.TotalMilliseconds * 1e6);
        var spawns = new Task[cores.Length];
        for (int i = 0; i < cores.Length; i++)
        {
            int index = i;
            // The image runs on the target core: the dispatcher is made there, with its ends of the bindings.
            spawns[i] = system.SpawnAsync(cores[0], cores[i], () => domain._dispatchers[index] =
                new DomainDispatcher(domain, index, domain.Peers[index], index == 0 ? domain._hostPort : null, spin));
        }
        await Task.WhenAll(spawns).ConfigureAwait(false);
        return domain;
    }

    /// <summary>The dispatcher with index <paramref name="index"/> (shared address space: used by the runtime to read a master's job table).</summary>
    internal DomainDispatcher Dispatcher(int index) => _dispatchers[index]!;

    /// <summary>The domain's dispatchers, for statistics and tests; their state belongs to their cores.</summary>
    public IReadOnlyList<DomainDispatcher> Dispatchers => _dispatchers.Select(d => d!).ToArray();

    /// <summary>Runs <paramref name="main"/> as a user thread on dispatcher 0; the task completes (on the thread pool) when it returns.</summary>
    public Task RunMainAsync(Func<UTask> main)
    {
        ArgumentNullException.ThrowIfNull(main);
        return RunMainAsync<VoidResult>(async () => { await main(); return default; });
    }

    /// <summary>Runs <paramref name="main"/> as a user thread on dispatcher 0 and returns its result to the host.</summary>
    public Task<T> RunMainAsync<T>(Func<UTask<T>> main)
    {
        ArgumentNullException.ThrowIfNull(main);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var request = new MainThreadRequest<T>(main);
        var handle = GCHandle.Alloc(request);
        lock (_hostPortLock) _hostPort.Send(DomainMessage.HostStartMain, (ulong)GCHandle.ToIntPtr(handle));
        return request.Task;
    }

    /// <summary>
    /// Runs synchronous code as the main user thread on dispatcher 0, e.g. a compute kernel that calls
    /// <see cref="ForkJoin.For{TBody}"/> from its loops; returns its result to the host.
    /// </summary>
    public Task<T> RunOnMasterAsync<T>(Func<T> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return RunMainAsync(() => new UTask<T>(body()));
    }

    /// <summary>
    /// Tears the domain down: dispatcher 0 tells the others to leave, each releases its channels and leaves its core
    /// (by URPC, on its own core thread), then the host frees the binding memory. Threads still running are
    /// abandoned and a main thread that has not finished fails. Dispose domains before the system they run on.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (!_dispatchers.Any(d => d is { SystemStopped: true }))
        {
            var left = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var handle = GCHandle.Alloc(left);
            lock (_hostPortLock) _hostPort.Send(DomainMessage.HostStop, (ulong)GCHandle.ToIntPtr(handle));
            var timeout = _options.StopTimeout;
            if (await Task.WhenAny(left.Task, Task.Delay(timeout)).ConfigureAwait(false) != left.Task)
                throw new TimeoutException($"domain {Id} did not stop within {timeout.TotalSeconds} s (a dispatcher is stuck in user code?); its channel memory is not freed");
            // Dispatcher 0 left after every peer said so; wait for each peer's last channel access to be behind it.
            var deadline = DateTime.UtcNow + timeout;
            while (!_dispatchers.All(d => d!.HasLeft))
            {
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException($"domain {Id}: a dispatcher did not leave within {timeout.TotalSeconds} s; its channel memory is not freed");
                await Task.Delay(1).ConfigureAwait(false);
            }
        }
        FreeChannels();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    void FreeChannels()
    {
        foreach (var b in _bindings) b.Dispose();
        _bindings.Clear();
        _hostPort.Dispose();
    }

    public override string ToString() => $"domain {Id} on core indices {string.Join(',', CoreIndices)}";
}
