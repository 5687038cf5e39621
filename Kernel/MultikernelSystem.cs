using System.Diagnostics;
using Multikernel.Capabilities;
using Multikernel.CoreProcesses;
using Multikernel.CpuDriver;
using Multikernel.Hardware;
using Multikernel.Memory;
using Multikernel.Monitor;
using Multikernel.Urpc;

namespace Multikernel;

/// <summary>
/// A booted multikernel: on every chosen core a pinned CPU driver thread with its capability driver and a monitor
/// dispatcher, the monitors connected pairwise by URPC bindings and each with a broadcast buffer read by all others
/// (their agreement protocol's channels), and one simulated physical memory whose RAM the capabilities divide: each
/// core's monitor starts with <see cref="MultikernelOptions.CoreRamBytes"/>, the memory server on core 0 with the
/// rest. The host process (tests, experiment drivers) is outside the system and
/// talks to it only through a per-core host port: a URPC ring into that core's monitor. Channels between
/// dispatchers come from the monitors (<see cref="BindAsync"/>, <see cref="BindHostAsync"/>,
/// <see cref="CreateBroadcastAsync"/>); <see cref="Dispose"/> shuts every core down, joins the threads and then frees
/// all channel memory the monitors allocated.
/// <para>In process mode (<see cref="BootMode.ProcessPerCore"/>) the CPU drivers and monitors run in one core process
/// per core (<see cref="CoreProcess"/>) and this process only boots and asks: nothing managed crosses, so the calls
/// that take a closure (<see cref="CallOn{T}"/>, <see cref="CallOnAsync{T}"/>, <see cref="SpawnAsync(int, int, Func{Dispatcher})"/>)
/// are thread mode only; <see cref="RequestAsync"/> and <see cref="SpawnAsync(int, string, CoreArgs)"/> name a request
/// or an image registered in the <see cref="CoreProgram"/> and work in both modes. A core process that dies fails the
/// system: every pending and later call throws a <see cref="CoreProcessExitedException"/> naming the core.</para>
/// </summary>
public sealed class MultikernelSystem : IDisposable
{
    /// <summary>Slots of each host port ring.</summary>
    const int HostPortSlots = 16;

    readonly CpuDriverThread[] _drivers;
    readonly MonitorDispatcher[] _monitors;
    readonly List<UrpcBinding> _monitorBindings = new();
    readonly UrpcRing[] _hostPorts;
    readonly object[] _hostPortLocks;
    // By core: the host calls sent into its host port whose tasks may still be waiting (guarded by that port's lock);
    // Shutdown fails those left unanswered once the cores have stopped.
    readonly List<HostCallRequest>[] _postedCalls;
    readonly CoreProgram? _program;
    readonly CoreProcessSet? _processes;
    readonly BroadcastChannel?[] _broadcasts;
    readonly UrpcBinding[] _memoryServerBindings;
    readonly PhysicalMemory? _memory;
    readonly MemoryServer? _memoryServer;
    // Held by Shutdown from setting _shutDown until the cores have stopped and the channels are freed, so that a
    // concurrent Shutdown neither frees anything twice nor returns before that.
    readonly object _shutdownLock = new();
    bool _shutDown, _failureThrown;

    public IReadOnlyList<int> Cores { get; }
    public int CoreCount => Cores.Count;
    public MachineTopology Topology { get; }
    /// <summary>How the CPU drivers idle (for experiments' meta.json).</summary>
    public WaitPolicy WaitPolicy { get; }
    public BootMode Mode { get; }
    /// <summary>Process mode: the shared region as this (the boot) process maps it (once the system has shut down, every use throws <see cref="ObjectDisposedException"/>); null in thread mode.</summary>
    public SharedRegion? Region => _processes?.Region;
    /// <summary>Process mode: the core processes' ids by core index (also after the shutdown, to check they are gone); empty in thread mode.</summary>
    public IReadOnlyList<int> CoreProcessIds => _processes?.ProcessIds ?? [];
    /// <summary>From the start of the boot until every monitor had answered the bootstrap monitor (for meta.json).</summary>
    public TimeSpan StartupTime { get; private set; }
    /// <summary>Process mode: why the system failed (a core process that died), or null.</summary>
    public Exception? Failure => _processes?.Failure;

    /// <summary>The simulated physical memory every capability names a part of (thread mode: process mode has no capabilities).</summary>
    public PhysicalMemory Memory => _memory ?? throw ThreadModeOnlyException("the simulated physical memory (capabilities)");
    /// <summary>How multicast routes group the cores.</summary>
    public RoutingGrouping Grouping { get; }
    /// <summary>The physical range the memory server on core 0 hands out.</summary>
    public (ulong Base, ulong Bytes) ServerRam { get; }
    /// <summary>The memory server (a dispatcher on core 0; core-local there; thread mode only).</summary>
    public MemoryServer MemoryServer => _memoryServer ?? throw ThreadModeOnlyException("the memory server");

    /// <summary>Refills of a core's RAM cache, and the memory server's chunks, are 2^20 bytes.</summary>
    const int RamChunkBits = 20;

    MultikernelSystem(IReadOnlyList<int> cores, MultikernelOptions o, CoreProcessSet processes)
    {
        Cores = cores;
        Topology = MachineTopology.Current;
        WaitPolicy = o.WaitPolicy;
        Mode = BootMode.ProcessPerCore;
        Grouping = o.Grouping;
        _program = o.Program;
        _processes = processes;
        _drivers = [];
        _monitors = [];
        _hostPorts = [];
        _hostPortLocks = [];
        _postedCalls = [];
        _broadcasts = [];
        _memoryServerBindings = [];
    }

    MultikernelSystem(IReadOnlyList<int> cores, MultikernelOptions o)
    {
        Cores = cores;
        Topology = o.Topology ?? MachineTopology.Current;
        WaitPolicy = o.WaitPolicy;
        Mode = BootMode.Threads;
        _program = o.Program;
        Grouping = o.Grouping;
        int n = cores.Count;
        _drivers = new CpuDriverThread[n];
        _monitors = new MonitorDispatcher[n];
        _hostPorts = new UrpcRing[n];
        _hostPortLocks = new object[n];
        _postedCalls = new List<HostCallRequest>[n];
        _memoryServerBindings = new UrpcBinding[n];
        // Each core writes one broadcast buffer (slots on its node) that every other core reads (state on the reader's node).
        _broadcasts = new BroadcastChannel?[n];
        try
        {
            if (n > 1)
                for (int w = 0; w < n; w++)
                    _broadcasts[w] = new BroadcastChannel(o.BroadcastSlots, n - 1, Topology.NumaNodeOf(cores[w]),
                        Enumerable.Range(0, n).Where(r => r != w).Select(r => Topology.NumaNodeOf(cores[r])).ToArray());
            _memory = new PhysicalMemory(o.PhysicalMemoryBytes);
            ulong coreRam = (ulong)o.CoreRamBytes;
            ServerRam = (coreRam * (ulong)n, (ulong)o.PhysicalMemoryBytes - coreRam * (ulong)n);
            var agreement = o.Agreement ?? MultikernelOptions.DefaultAgreement();
            // Each core's RAM cache has a binding with the memory server on core 0 (boot makes them: the server exists from boot).
            for (int i = 0; i < n; i++)
                _memoryServerBindings[i] = UrpcBinding.Allocate(o.RingSlots, Topology.NumaNodeOf(cores[i]), Topology.NumaNodeOf(cores[0]));
            for (int i = 0; i < n; i++)
            {
                _drivers[i] = new CpuDriverThread(cores[i], i, o.WaitPolicy, o.BlockedVisitSlice);
                _drivers[i].AttachCapabilities(new CapabilityDriver(i, Memory));
                var readers = new BroadcastReceiver?[n];
                for (int w = 0; w < n; w++)
                    if (w != i) readers[w] = _broadcasts[w]!.Reader(i < w ? i : i - 1);
                _monitors[i] = new MonitorDispatcher(cores, Topology, new MonitorSetup
                {
                    Program = o.Program,
                    RamBase = coreRam * (ulong)i,
                    RamBytes = coreRam,
                    Broadcast = _broadcasts[i],
                    BroadcastReaders = readers,
                    Grouping = o.Grouping,
                    Agreement = agreement,
                    TlbEntries = o.TlbEntries,
                    AgreementTransport = o.AgreementTransport,
                    MemoryServer = _memoryServerBindings[i].Client,
                    MemoryServerCore = 0, // _drivers[0] adopts the memory server below
                    RefillBits = RamChunkBits,
                });
                _drivers[i].Adopt(_monitors[i]);
                _hostPorts[i] = UrpcRing.Allocate(HostPortSlots, Topology.NumaNodeOf(cores[i]));
                _hostPortLocks[i] = new object();
                _postedCalls[i] = new List<HostCallRequest>();
                _monitors[i].ConnectHost(_hostPorts[i].Receiver);
                int index = i;
                _drivers[i].Faulted = fault =>
                {
                    AbandonCallsOfFaultedCore(index, fault);
                    TellMonitorsOfFault(index, fault);
                };
            }
            // The monitors' own bindings exist before any monitor runs, so boot makes them (Barrelfish's boot sets up
            // the inter-monitor channels the same way); every later binding is a bind served by a monitor.
            for (int i = 0; i < n; i++)
                for (int j = i + 1; j < n; j++)
                {
                    var b = UrpcBinding.Allocate(o.RingSlots, Topology.NumaNodeOf(cores[i]), Topology.NumaNodeOf(cores[j]));
                    _monitorBindings.Add(b);
                    _monitors[i].ConnectPeer(j, b.Client);
                    _monitors[j].ConnectPeer(i, b.Server);
                }
            _memoryServer = new MemoryServer(ServerRam.Base, ServerRam.Bytes, RamChunkBits, _memoryServerBindings.Select(b => (UrpcEndpoint?)b.Server).ToArray());
            _drivers[0].Adopt(MemoryServer);
        }
        catch
        {
            // No core has started, so nothing else holds what the constructor made before it failed.
            FreeBootMade();
            throw;
        }
    }

    /// <summary>
    /// Frees every ring, buffer, block and notifier the constructor made (any it did not get to are null): after a
    /// failed constructor, and at the end of Shutdown once every core has stopped.
    /// </summary>
    void FreeBootMade()
    {
        foreach (var b in _monitorBindings) b.Dispose();
        foreach (var b in _broadcasts) b?.Dispose();
        foreach (var b in _memoryServerBindings) b?.Dispose();
        _memory?.Dispose();
        foreach (var p in _hostPorts) p?.Dispose();
        foreach (var d in _drivers) d?.Dispose();
    }

    /// <summary>
    /// Boots a CPU driver and a monitor on each chosen core and checks that every monitor answers a ping from the
    /// bootstrap monitor. Throws <see cref="ArgumentException"/> naming the allowed cores for a core outside the
    /// affinity mask, a repeated core, an empty list or more than <see cref="CoreSet.Capacity"/> cores.
    /// </summary>
    public static MultikernelSystem Boot(MultikernelOptions? options = null)
    {
        var o = options ?? new MultikernelOptions();
        var allowed = CoreAffinity.AllowedCpus();
        var cores = (o.Cores ?? allowed).ToArray();
        if (cores.Length == 0) throw new ArgumentException("boot needs at least one core", nameof(options));
        if (cores.Length > CoreSet.Capacity)
            throw new ArgumentException($"boot on {cores.Length} cores: the monitors' agreements and routes name their participants in a set of at most {CoreSet.Capacity} cores", nameof(options));
        foreach (int c in cores)
            if (!allowed.Contains(c))
                throw new ArgumentException($"cannot boot on core {c}: it is not in this process's affinity mask; allowed cores: {CoreAffinity.FormatList(allowed)}", nameof(options));
        if (cores.Distinct().Count() != cores.Length)
            throw new ArgumentException($"core list {string.Join(',', cores)} names a core twice; each core runs one CPU driver", nameof(options));
        if (!UrpcRing.IsValidSize(o.RingSlots))
            throw new ArgumentException($"RingSlots {o.RingSlots} is not a power of two from {UrpcRing.MinSlots} to {UrpcRing.MaxSlots}", nameof(options));
        if (!UrpcRing.IsValidSize(o.BroadcastSlots))
            throw new ArgumentException($"BroadcastSlots {o.BroadcastSlots} is not a power of two from {UrpcRing.MinSlots} to {UrpcRing.MaxSlots}", nameof(options));
        ArgumentNullException.ThrowIfNull(o.WaitPolicy, nameof(options));
        if (o.BootTimeout <= TimeSpan.Zero || o.BootTimeout > TimeSpan.FromDays(1))
            throw new ArgumentException($"BootTimeout {o.BootTimeout} must be positive and at most a day (Timeout.InfiniteTimeSpan is no bound the boot's waits can keep)", nameof(options));
        if (o.BlockedVisitSlice < TimeSpan.Zero || o.BlockedVisitSlice > TimeSpan.FromSeconds(1))
            throw new ArgumentException($"BlockedVisitSlice {o.BlockedVisitSlice} must be from zero to one second", nameof(options));
        const long RamGranule = 64 << 10;
        if (o.CoreRamBytes < RamGranule || o.CoreRamBytes % RamGranule != 0)
            throw new ArgumentException($"CoreRamBytes {o.CoreRamBytes} must be a positive multiple of {RamGranule} (64 KiB): each core's boot RAM holds its root CNode", nameof(options));
        if (o.PhysicalMemoryBytes % RamGranule != 0 || o.PhysicalMemoryBytes < o.CoreRamBytes * (cores.Length + 1) || o.PhysicalMemoryBytes > PhysicalMemory.MaxBytes)
            throw new ArgumentException($"PhysicalMemoryBytes {o.PhysicalMemoryBytes} must be a multiple of 64 KiB, at most {PhysicalMemory.MaxBytes}, and hold every core's boot RAM ({cores.Length} x {o.CoreRamBytes}) plus at least as much again for the memory server", nameof(options));
        if (o.TlbEntries < 1 || o.TlbEntries > 65536 || (o.TlbEntries & (o.TlbEntries - 1)) != 0)
            throw new ArgumentException($"TlbEntries {o.TlbEntries} is not a power of two from 1 to 65536", nameof(options));
        o.Agreement?.Validate();
        var topology = o.Topology ?? MachineTopology.Current;
        foreach (int c in cores)
            if (!topology.Contains(c))
                throw new ArgumentException($"core {c} is not in the topology ({topology}) that the monitors' routes and channel placement are built from", nameof(options));
        if (o.Mode == BootMode.ProcessPerCore) return BootProcesses(cores, o);
        if (o.Mode != BootMode.Threads) throw new ArgumentException($"boot mode {o.Mode} is not one of: {string.Join(", ", Enum.GetNames<BootMode>())}", nameof(options));

        var clock = Stopwatch.StartNew();
        var mk = new MultikernelSystem(cores, o);
        try
        {
            for (int i = 0; i < cores.Length; i++) mk._drivers[i].Start($"cpu{cores[i]}");
            foreach (var d in mk._drivers)
                if (!d.Started.Wait(o.BootTimeout))
                    throw new InvalidOperationException($"core {d.Core} did not come up: its CPU driver did not start within {o.BootTimeout.TotalSeconds} s");
            mk.ThrowIfACoreFaulted();
            // Every monitor must answer the bootstrap monitor over its URPC binding. A core whose CPU driver faults
            // (e.g. in its monitor's start upcall, which runs after Started) never answers: the wait checks for that.
            // A fault also fails the host's call posted to that core (or refuses it): the boot's own error names the core.
            int peers = cores.Length - 1;
            try
            {
                var allAnswered = mk.CallOnAsync<bool>(0, (m, done) =>
                {
                    if (peers == 0) { done(true); return; }
                    int answered = 0;
                    for (int p = 1; p < m.CoreCount; p++) m.Ping(p, error => { if (error == null && ++answered == peers) done(true); }); // a fault: the wait below names it
                });
                var waited = Stopwatch.StartNew();
                while (!allAnswered.Wait(BootFaultCheckInterval))
                {
                    mk.ThrowIfACoreFaulted();
                    if (waited.Elapsed >= o.BootTimeout)
                        throw new InvalidOperationException($"not every monitor answered the bootstrap monitor within {o.BootTimeout.TotalSeconds} s");
                }
            }
            catch (Exception e) when (e is AggregateException or InvalidOperationException && mk._drivers.Any(d => d.Fault != null))
            {
                mk.ThrowIfACoreFaulted();
                throw;
            }
            mk.StartupTime = clock.Elapsed;
            return mk;
        }
        catch (Exception bootError)
        {
            DisposeAfterFailedBoot(mk, bootError);
            throw;
        }
    }

    /// <summary>How often a boot waiting for the monitors' answers checks whether a CPU driver has faulted.</summary>
    static readonly TimeSpan BootFaultCheckInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>Boot, thread mode: throws the boot's error for the first core whose CPU driver has faulted.</summary>
    void ThrowIfACoreFaulted()
    {
        foreach (var d in _drivers)
            if (d.Fault is { } fault)
                throw new InvalidOperationException($"core {d.Core} did not come up: {fault.Message}", fault);
    }

    /// <summary>
    /// Shuts down a system whose boot failed. The boot's error is what the caller sees: a failure of this shutdown
    /// (e.g. the "CPU drivers faulted" of a core that faulted while booting) follows from it and goes to stderr only.
    /// </summary>
    static void DisposeAfterFailedBoot(MultikernelSystem mk, Exception bootError)
    {
        try { mk.Dispose(); }
        catch (Exception shutdownError)
        {
            Console.Error.WriteLine($"the boot failed ({bootError.Message}); shutting its cores down afterwards failed too: {shutdownError}");
        }
    }

    static MultikernelSystem BootProcesses(int[] cores, MultikernelOptions o)
    {
        if (o.Program == null)
            throw new ArgumentException("process mode needs MultikernelOptions.Program: the program every core process runs, whose Main calls CoreProcess.Run when CoreProcess.IsRequested(args)", nameof(o));
        if (o.Topology != null)
            throw new ArgumentException("process mode places and routes by this machine's own topology: a made-up MultikernelOptions.Topology works in thread mode only", nameof(o));
        if (o.ArenaBytesPerCore < 64 << 10 || o.FrameBytes < 4096)
            throw new ArgumentException($"ArenaBytesPerCore must be at least 64 KiB (got {o.ArenaBytesPerCore}) and FrameBytes at least one page (got {o.FrameBytes})", nameof(o));
        if (o.AgreementTransport != null)
            throw new ArgumentException("MultikernelOptions.AgreementTransport (fault injection) works in thread mode only: in process mode the agreement runs in the core processes", nameof(o));
        var clock = Stopwatch.StartNew();
        var topology = MachineTopology.Current;
        var layout = new SharedRegion.Layout(cores, cores.Select(topology.NumaNodeOf).ToArray(), o.ArenaBytesPerCore, o.FrameBytes, o.RingSlots, HostPortSlots,
            o.BroadcastSlots, o.Grouping, o.Agreement ?? MultikernelOptions.DefaultAgreement(), o.WaitPolicy, o.BlockedVisitSlice);
        var mk = new MultikernelSystem(cores, o, CoreProcessSet.Start(layout, o.Program, o.BootTimeout));
        try
        {
            var pinged = mk.RequestAsync(0, KernelRequests.PingPeers, default);
            mk.WaitFor(() => pinged.IsCompleted, o.BootTimeout, "every monitor to answer the bootstrap monitor");
            pinged.GetAwaiter().GetResult();
            mk.StartupTime = clock.Elapsed;
            return mk;
        }
        catch (Exception bootError)
        {
            mk._failureThrown = true;
            DisposeAfterFailedBoot(mk, bootError);
            throw;
        }
    }

    /// <summary>
    /// Where the rings boot made are now: every monitor-to-monitor ring ("monitor i->j", asked for core j's node) and
    /// every host port ("host->i", core i's node). For checking NUMA placement on a multi-socket machine.
    /// </summary>
    public IReadOnlyList<(string Ring, RingPlacement Placement)> BootRingPlacements()
    {
        if (_processes != null) throw ThreadModeOnlyException("the placement of boot's rings (they live in the shared region, each core's in its arena)");
        ObjectDisposedException.ThrowIf(_shutDown, this);
        var list = new List<(string, RingPlacement)>();
        int k = 0;
        for (int i = 0; i < CoreCount; i++)
            for (int j = i + 1; j < CoreCount; j++, k++)
            {
                var (intoServer, intoClient) = _monitorBindings[k].Placement();
                list.Add(($"monitor {i}->{j}", intoServer));
                list.Add(($"monitor {j}->{i}", intoClient));
            }
        for (int i = 0; i < CoreCount; i++) list.Add(($"host->{i}", _hostPorts[i].Placement()));
        return list;
    }

    /// <summary>
    /// Messages each monitor has sent to each other monitor so far: [from, to] by core index (read without stopping
    /// the cores, so exact only while the monitors are quiet). Tells which route a many-core protocol really took.
    /// </summary>
    public long[,] MonitorMessagesSent()
    {
        if (_processes != null) throw ThreadModeOnlyException("counting the monitors' messages from the host");
        ObjectDisposedException.ThrowIf(_shutDown, this);
        var sent = new long[CoreCount, CoreCount];
        int k = 0;
        for (int i = 0; i < CoreCount; i++)
            for (int j = i + 1; j < CoreCount; j++, k++)
            {
                sent[i, j] = _monitorBindings[k].ToServer.Sender.Sent;
                sent[j, i] = _monitorBindings[k].ToClient.Sender.Sent;
            }
        return sent;
    }

    /// <summary>Runs <paramref name="call"/> on the monitor of core index <paramref name="coreIndex"/> and returns its result to the host.</summary>
    public Task<T> CallOn<T>(int coreIndex, Func<MonitorDispatcher, T> call) =>
        CallOnAsync<T>(coreIndex, (m, done) => done(call(m)));

    /// <summary>
    /// Runs <paramref name="start"/> on the monitor of core index <paramref name="coreIndex"/>; the host's task
    /// completes when the code on that core calls the completion callback (possibly after further messages).
    /// </summary>
    public Task<T> CallOnAsync<T>(int coreIndex, Action<MonitorDispatcher, Action<T>> start)
    {
        ThreadModeOnly(nameof(CallOnAsync));
        CheckCore(coreIndex, nameof(coreIndex));
        ObjectDisposedException.ThrowIf(_shutDown, this);
        var call = new HostCall<T>(start);
        PostHostCall(coreIndex, call);
        return call.Task;
    }

    /// <summary>Asks the monitor of <paramref name="fromCore"/> to start a dispatcher on <paramref name="toCore"/> (core indices) and waits for the reply.</summary>
    public Task<DispatcherId> SpawnAsync(int fromCore, int toCore, Func<Dispatcher> image)
    {
        ThreadModeOnly(nameof(SpawnAsync) + " with a closure");
        CheckCore(toCore, nameof(toCore));
        return CallOnAsync<MonitorReply<DispatcherId>>(fromCore, (m, done) => m.SpawnOn(toCore, image, done))
            .ContinueWith(t => t.GetAwaiter().GetResult().ValueOrThrow($"spawning on core #{toCore}"), TaskContinuationOptions.ExecuteSynchronously); // an abandoned call's own exception, not an AggregateException
    }

    /// <summary>
    /// Binds core index <paramref name="clientCore"/> to core index <paramref name="serverCore"/> through their
    /// monitors: the client's monitor sends a bind request to the server's monitor, which allocates the two rings of
    /// <paramref name="slots"/> slots (each on its receiver's NUMA node) and replies with the binding. Give
    /// <see cref="UrpcBinding.Client"/> to the client core's dispatcher and <see cref="UrpcBinding.Server"/> to the
    /// server core's. The system frees the binding when it shuts down.
    /// </summary>
    public Task<UrpcBinding> BindAsync(int clientCore, int serverCore, int slots = 16)
    {
        CheckCore(clientCore, nameof(clientCore));
        CheckCore(serverCore, nameof(serverCore));
        UrpcRing.ValidateSlots(slots, nameof(slots));
        if (_processes != null)
            return RequestAsync(clientCore, KernelRequests.Bind, new CoreArgs((ulong)serverCore, (ulong)slots))
                .ContinueWith(t =>
                {
                    var name = t.GetAwaiter().GetResult(); // the request's own exception (e.g. CoreProcessExitedException), not an AggregateException
                    return _processes.Region.OpenBinding(UrpcBindingName.Decode(name.W0, name.W1, name.W2));
                }, TaskContinuationOptions.ExecuteSynchronously);
        return CallOnAsync<MonitorReply<UrpcBinding>>(clientCore, (m, done) => m.Bind(serverCore, slots, done))
            .ContinueWith(t => t.GetAwaiter().GetResult().ValueOrThrow($"binding core #{clientCore} to core #{serverCore}"), TaskContinuationOptions.ExecuteSynchronously);
    }

    /// <summary>
    /// Binds the host (this process, outside the system) to core index <paramref name="core"/>: that core's monitor
    /// allocates the rings (the one into the core on its NUMA node) and returns the binding, whose
    /// <see cref="UrpcBinding.Client"/> end is the host's and <see cref="UrpcBinding.Server"/> end the core's
    /// dispatcher's. The system frees it when it shuts down.
    /// </summary>
    public Task<UrpcBinding> BindHostAsync(int core, int slots = 16)
    {
        ThreadModeOnly(nameof(BindHostAsync));
        UrpcRing.ValidateSlots(slots, nameof(slots));
        return CallOn(core, m => m.BindHost(slots));
    }

    /// <summary>
    /// Asks the monitor of core index <paramref name="writerCore"/> for a broadcast buffer of <paramref name="slots"/>
    /// slots that it writes and the cores <paramref name="readerCores"/> (core indices, in reader order) read: slots
    /// on the writer's NUMA node, each reader's state on its own. The system frees it when it shuts down.
    /// </summary>
    public Task<BroadcastChannel> CreateBroadcastAsync(int writerCore, IReadOnlyList<int> readerCores, int slots = 16)
    {
        ThreadModeOnly(nameof(CreateBroadcastAsync));
        ArgumentNullException.ThrowIfNull(readerCores);
        UrpcRing.ValidateSlots(slots, nameof(slots));
        var readers = readerCores.ToArray();
        return CallOn(writerCore, m => m.CreateBroadcast(readers, slots));
    }

    /// <summary>
    /// Runs the request registered as <paramref name="name"/> in the <see cref="CoreProgram"/> on the monitor of core
    /// index <paramref name="core"/> with <paramref name="args"/>; the task completes with the handler's five result
    /// words, or fails with its error (naming the core), or with the system's failure if a core process dies.
    /// </summary>
    public Task<CoreArgs> RequestAsync(int core, string name, CoreArgs args)
    {
        CheckCore(core, nameof(core));
        ObjectDisposedException.ThrowIf(_shutDown, this);
        if (_processes != null) return _processes.Request(core, name, args);
        var program = ProgramRegistering(name, nameof(name), image: false);
        var call = new NamedRequestCall(core, name, args, program);
        PostHostCall(core, call);
        return call.Task;
    }

    /// <summary>
    /// Sends <paramref name="call"/> into core <paramref name="core"/>'s host port, or throws
    /// <see cref="ObjectDisposedException"/> once <see cref="Shutdown"/> has begun. The check runs under the lock that
    /// orders the port's messages, and Shutdown sets its flag before it takes that lock to send the stop message: a
    /// call is either ahead of the stop message in the ring (the monitor runs it before it stops) or refused, never
    /// left unread behind it nor written into a ring that Shutdown has freed.
    /// </summary>
    void PostHostCall(int core, HostCallRequest call)
    {
        lock (_hostPortLocks[core])
        {
            ObjectDisposedException.ThrowIf(_shutDown, this);
            if (_drivers[core].Fault is { } fault) throw FaultedCore(core, fault);
            if (!SendPassingUnlessShutDown(_hostPorts[core].Sender, core, call, static h => new MonitorMessages.HostCall(h)))
                throw new ObjectDisposedException(nameof(MultikernelSystem), $"the multikernel began to shut down while core #{core}'s host port was full");
            var posted = _postedCalls[core];
            if (posted.Count >= PostedCallsPruneAt && posted.Count == posted.Capacity) posted.RemoveAll(static c => c.IsCompleted);
            posted.Add(call);
        }
    }

    static InvalidOperationException FaultedCore(int core, Exception fault) =>
        new($"core #{core}'s CPU driver stopped on an unhandled exception ({fault.GetType().Name}: {fault.Message}); it answers no host call", fault);

    /// <summary>
    /// On core <paramref name="core"/>'s thread after its CPU driver faulted: the calls posted to it fail now, not at
    /// <see cref="Shutdown"/>. Under the port's lock, and the fault is set before: a call is either posted before this
    /// (failed here) or refused by <see cref="PostHostCall"/>. A sender that holds the lock while the dead core's port
    /// is full keeps it until Shutdown begins; this waits for it.
    /// </summary>
    void AbandonCallsOfFaultedCore(int core, Exception fault)
    {
        lock (_hostPortLocks[core])
        {
            foreach (var call in _postedCalls[core]) call.Abandon(FaultedCore(core, fault));
            _postedCalls[core].Clear();
        }
    }

    /// <summary>
    /// On core <paramref name="core"/>'s thread after its CPU driver faulted: every other live monitor is told
    /// (<see cref="MonitorDispatcher.PeerFaulted"/>), so that its spawns and binds sent to the dead monitor fail instead
    /// of waiting forever for its reply. Nothing once the system has begun to shut down, or for a core that faulted too.
    /// </summary>
    void TellMonitorsOfFault(int core, Exception fault)
    {
        for (int c = 0; c < _drivers.Length; c++)
        {
            if (c == core) continue;
            try { PostHostCall(c, new HostCall<bool>((m, done) => { m.PeerFaulted(core, fault); done(true); })); }
            catch (ObjectDisposedException) { return; } // shutting down: the system stops every core anyway
            catch (InvalidOperationException) { } // core c faulted too: it answers nothing either
        }
    }

    /// <summary>Posted calls kept before the completed ones are dropped (then whenever the list would grow).</summary>
    const int PostedCallsPruneAt = 64;

    /// <summary>Thread mode: true once core index <paramref name="core"/>'s CPU driver has faulted (its loop has ended: it starts no dispatcher and runs no upcall but the stop upcalls).</summary>
    internal bool CoreFaulted(int core) => CoreFault(core) != null;

    /// <summary>Thread mode: the exception that stopped core index <paramref name="core"/>'s CPU driver (null while it runs).</summary>
    internal Exception? CoreFault(int core) => _drivers.Length > core ? _drivers[core].Fault : null;

    /// <summary>The lock that orders core <paramref name="core"/>'s host port messages (thread mode; tests order a call against <see cref="Shutdown"/> with it).</summary>
    internal object HostPortLock(int core) => _hostPortLocks[core];

    /// <summary>
    /// Sends the message <paramref name="message"/> makes from an object handle to <paramref name="passed"/> into a
    /// ring read on core index <paramref name="core"/>, waiting while the ring is full, or returns false once
    /// <see cref="Shutdown"/> has begun (the core may never read again), or throws the core's fault once its CPU
    /// driver has faulted (it reads nothing any more); either way the handle is taken back, so nothing stays pinned.
    /// For senders holding that core's <see cref="HostPortLock"/>: Shutdown gives up on a port it cannot use in time
    /// and then waits for that lock before it frees any ring, and the faulted core takes it to fail the calls posted
    /// to it, so such a sender must let go of it.
    /// </summary>
    internal bool SendPassingUnlessShutDown<T>(UrpcSender sender, int core, object passed, Func<nint, T> message) where T : struct, IUrpcMessage<T>
    {
        nint handle = ObjectHandle.Pass(passed);
        var m = message(handle);
        while (!sender.TrySend(in m))
        {
            bool shutDown = IsShutDown;
            var fault = _drivers[core].Fault;
            if (shutDown || fault != null)
            {
                ObjectHandle.Take<object>(handle);
                if (shutDown) return false;
                throw FaultedCore(core, fault!);
            }
            Thread.SpinWait(1);
        }
        return true;
    }

    /// <summary>
    /// Sends the stop message into core <paramref name="core"/>'s host port under its lock, giving up (false) when the
    /// lock stays taken or the port stays full (the core reads nothing) for <paramref name="within"/>, or at once when
    /// the port is full and the core's CPU driver has faulted (it reads nothing any more).
    /// </summary>
    bool TrySendStop(int core, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        if (!System.Threading.Monitor.TryEnter(_hostPortLocks[core], within > TimeSpan.Zero ? within : TimeSpan.Zero)) return false;
        try
        {
            var sender = _hostPorts[core].Sender;
            var spin = new SpinWait();
            while (!sender.TrySend(new MonitorMessages.Shutdown()))
            {
                if (clock.Elapsed >= within || _drivers[core].Fault != null) return false;
                spin.SpinOnce();
            }
            return true;
        }
        finally { System.Threading.Monitor.Exit(_hostPortLocks[core]); }
    }

    /// <summary>
    /// Starts a dispatcher on core index <paramref name="core"/> from the image registered as <paramref name="image"/>
    /// in the <see cref="CoreProgram"/>, made there from <paramref name="args"/>; the task completes with its id.
    /// </summary>
    public Task<DispatcherId> SpawnAsync(int core, string image, CoreArgs args)
    {
        CheckCore(core, nameof(core));
        ObjectDisposedException.ThrowIf(_shutDown, this);
        if (_processes != null) return _processes.Spawn(core, image, args);
        ProgramRegistering(image, nameof(image), image: true);
        ulong id = CoreProgram.IdOf(image);
        return CallOn(core, m => m.SpawnNamed(id, args));
    }

    /// <summary>
    /// The <see cref="CoreProgram"/> this system was booted with, which must register <paramref name="name"/> as a
    /// dispatcher image (<paramref name="image"/>) or a request; otherwise the error names what is missing.
    /// </summary>
    CoreProgram ProgramRegistering(string name, string paramName, bool image)
    {
        string kind = image ? "dispatcher image" : "request";
        var program = _program ?? throw new InvalidOperationException($"this system was booted without a CoreProgram (MultikernelOptions.Program): it knows no {(image ? "image" : "request")} by name");
        if (!(image ? program.HasImage(name) : program.HasRequest(name)))
            throw new ArgumentException($"no {kind} '{name}' is registered in {program.Assembly.GetName().Name}'s core program", paramName);
        return program;
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> holds (e.g. a done word in a shared block); throws a
    /// <see cref="TimeoutException"/> naming <paramref name="what"/> after <paramref name="timeout"/>
    /// (<see cref="Timeout.InfiniteTimeSpan"/>: no bound), or at once the system's failure if a core process dies.
    /// </summary>
    public void WaitFor(Func<bool> condition, TimeSpan timeout, string what)
    {
        ArgumentNullException.ThrowIfNull(condition);
        CheckWaitTimeout(timeout);
        if (_processes != null)
        {
            _processes.WaitFor(condition, timeout, what);
            return;
        }
        var clock = Stopwatch.StartNew();
        var spin = new SpinWait();
        while (!condition())
        {
            if (timeout != Timeout.InfiniteTimeSpan && clock.Elapsed > timeout) throw new TimeoutException($"timed out after {timeout.TotalSeconds:0.#} s waiting for {what}");
            spin.SpinOnce(sleep1Threshold: 20);
        }
    }

    /// <summary>A wait's timeout is zero or more, or <see cref="Timeout.InfiniteTimeSpan"/> (no bound); any other negative one is refused.</summary>
    internal static void CheckWaitTimeout(TimeSpan timeout)
    {
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "a wait's timeout is zero or more, or Timeout.InfiniteTimeSpan (no bound)");
    }

    void ThreadModeOnly(string what)
    {
        if (_processes != null)
            throw new NotSupportedException($"{what} works in thread mode only: in process mode a closure or an object cannot cross into a core process; " +
                                            "register a request or an image in the CoreProgram and use RequestAsync or SpawnAsync(core, name, args)");
    }

    NotSupportedException ThreadModeOnlyException(string what) =>
        new($"{what}: thread mode only; this system runs one process per core, and capabilities, the memory server and the boot process's view of the monitors' rings exist in thread mode only");

    void CheckCore(int coreIndex, string paramName)
    {
        if ((uint)coreIndex >= (uint)CoreCount) throw new ArgumentOutOfRangeException(paramName, coreIndex, $"core index must be 0..{CoreCount - 1}");
    }

    /// <summary>True once <see cref="Shutdown"/> has begun: no core will read a new request, and the channels are (being) freed.</summary>
    internal bool IsShutDown => Volatile.Read(ref _shutDown);

    /// <summary>
    /// Stops every core, joins its thread and frees all channels. A host call still waiting for its answer when the
    /// cores have stopped (e.g. on an agreement whose votes had not all arrived) fails with
    /// <see cref="OperationCanceledException"/>. Throws if a core does not stop in time (the timeout bounds the stop
    /// messages to all cores together, then the joins of all cores together, so at most twice the timeout), also when a core reads nothing
    /// and its host port is full: the stop message is given up after the timeout and the core told to stop directly,
    /// and a host call waiting for room in that port is refused with <see cref="ObjectDisposedException"/>. A call while another is under
    /// way (a Ctrl-C handler and the program's own end) waits for that one to finish and then returns; a call after
    /// it returns at once. The timeout (default 10 s) must be zero or more: a negative one (also
    /// <see cref="Timeout.InfiniteTimeSpan"/>, which no shutdown can keep as a bound) is refused before anything stops.
    /// </summary>
    public void Shutdown(TimeSpan? timeout = null)
    {
        if (timeout < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "a shutdown's timeout is zero or more (it bounds the stop messages, then the cores' exits): nothing was stopped");
        lock (_shutdownLock)
        {
            if (_shutDown) return;
            Volatile.Write(ref _shutDown, true);
            StopAndFree(timeout ?? TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>What is left of <paramref name="t"/> on <paramref name="clock"/>, never negative.</summary>
    static TimeSpan Remaining(TimeSpan t, Stopwatch clock) => t > clock.Elapsed ? t - clock.Elapsed : TimeSpan.Zero;

    /// <summary>Shutdown's work, run once, under <see cref="_shutdownLock"/>, after the flag is set.</summary>
    void StopAndFree(TimeSpan t)
    {
        if (_processes != null)
        {
            var failure = _processes.Shutdown(t);
            if (failure != null && !_failureThrown)
            {
                _failureThrown = true;
                throw failure;
            }
            return;
        }
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < _drivers.Length; i++)
            if (!TrySendStop(i, Remaining(t, clock)))
            {
                // The core has read nothing for the whole timeout (its port stayed full, or a sender holding its lock
                // waited on it): stop it directly; the host calls in its port are abandoned below once it has stopped.
                _drivers[i].RequestStop();
                _drivers[i].Notifier.Wake();
            }
        // One deadline for all the joins: n stuck cores cost t together, not t each.
        var joining = Stopwatch.StartNew();
        var stopped = _drivers.Select(d => d.Join(Remaining(t, joining))).ToArray();
        // Every sender into a host port holds its lock and lets go once it sees the flag; taking each lock waits for
        // the last of them, so that no ring is freed under one. A stopped core answers nothing more, so its calls are
        // failed now, also when another core is stuck (a call on a stopped core may wait for the stuck one); a stuck
        // core keeps its calls, which it may still answer. A stopped core reads its port no more: the calls it left
        // unread there (a core that faulted, or one stopped directly) give up their handles here.
        for (int i = 0; i < _postedCalls.Length; i++)
        {
            if (!stopped[i]) continue;
            lock (_hostPortLocks[i])
            {
                foreach (var call in _postedCalls[i])
                    call.Abandon(new OperationCanceledException($"the multikernel shut down before core #{i} answered this host call"));
                _postedCalls[i].Clear();
                ReleaseUnread(_hostPorts[i].Receiver);
            }
        }
        var stuck = _drivers.Where((d, i) => !stopped[i]).Select(d => d.Core).ToList();
        if (stuck.Count > 0)
            throw new TimeoutException($"cores {string.Join(',', stuck)} did not stop within {t.TotalSeconds} s; their memory is not freed");
        // Every core has stopped: what one monitor sent another too late to be read gives up its handle too.
        foreach (var b in _monitorBindings)
        {
            ReleaseUnread(b.ToServer.Receiver);
            ReleaseUnread(b.ToClient.Receiver);
        }
        foreach (var m in _monitors) m.FreeChannels();
        FreeBootMade();
        var faults = _drivers.Where(d => d.Fault != null).ToList();
        if (faults.Count > 0)
            throw new AggregateException("CPU drivers faulted", faults.Select(d => d.Fault!));
    }

    /// <summary>Takes every message left in a ring whose receiving core has stopped, releasing the object handles they hold.</summary>
    static void ReleaseUnread(UrpcReceiver ring)
    {
        while (ring.TryReceive(out var m)) MonitorDispatcher.ReleaseUnhandled(in m);
    }

    /// <summary>
    /// Shuts down (see <see cref="Shutdown"/>). In process mode a failure (a dead core) that a call has already thrown
    /// is not thrown again, so that a <c>using</c> does not hide the first report.
    /// </summary>
    public void Dispose()
    {
        if (_processes is { FailureDelivered: true }) _failureThrown = true;
        Shutdown();
    }

    /// <summary>Thread mode: a named request run through the host call path, answered through a task.</summary>
    sealed class NamedRequestCall(int core, string name, CoreArgs args, CoreProgram program) : HostCallRequest
    {
        readonly TaskCompletionSource<CoreArgs> _tcs = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public Task<CoreArgs> Task => _tcs.Task;
        public override bool IsCompleted => _tcs.Task.IsCompleted;
        public override void Abandon(Exception error) => _tcs.TrySetException(error);

        public override void Execute(MonitorDispatcher monitor)
        {
            var reply = new TaskReply(monitor, core, name, _tcs);
            try { program.Request(CoreProgram.IdOf(name)).Handler(monitor, args, reply); }
            catch (Exception e) when (!reply.Answered) { reply.Fail(e); }
        }
    }

    sealed class TaskReply(MonitorDispatcher monitor, int core, string name, TaskCompletionSource<CoreArgs> tcs) : CoreReply(monitor)
    {
        private protected override void Send(CoreArgs result, Exception? error)
        {
            if (error == null) tcs.TrySetResult(result);
            else tcs.TrySetException(new InvalidOperationException($"request '{name}' on core #{core} failed: {error.Message}", error));
        }
    }

    sealed class HostCall<T>(Action<MonitorDispatcher, Action<T>> start) : HostCallRequest
    {
        // Continuations run on the thread pool, never on a core's CPU-driver thread.
        readonly TaskCompletionSource<T> _tcs = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public Task<T> Task => _tcs.Task;
        public override bool IsCompleted => _tcs.Task.IsCompleted;
        public override void Abandon(Exception error) => _tcs.TrySetException(error);
        public override void Execute(MonitorDispatcher monitor)
        {
            try { start(monitor, r => _tcs.TrySetResult(r)); }
            catch (Exception e) { _tcs.TrySetException(e); }
        }
    }
}
