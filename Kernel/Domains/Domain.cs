using Multikernel.Capabilities;
using Multikernel.Memory;
using Multikernel.Monitor;
using Multikernel.Monitor.Agreement;
using Multikernel.Threads;
using Multikernel.Urpc;

namespace Multikernel.Domains;

/// <summary>
/// A domain spanning several cores, as in Barrelfish: one <see cref="DomainDispatcher"/> per chosen core, started
/// through the monitors, sharing one address space (the process's; the application's data structures may be shared
/// memory) and connected pairwise by URPC bindings that the monitors make, which carry the threads package's own
/// messages (wake-ups, thread creation) and those of layers above the domain (fork-join work and completions).
/// Pairwise rather than a star through dispatcher 0: a mutex or barrier wakes a thread on any dispatcher from any
/// other, and dynamic fork-join steals between any two, so a star would relay most of these through one core.
/// <para>Memory: every dispatcher has a CSpace with RAM of its own from its core's RAM cache; the domain's address
/// space (<see cref="AddressSpace"/>) is built by dispatcher 0 from its RAM through capability invocations, and every
/// core of the domain walks it through its own TLB. The monitors record the domain in their replicated placement
/// table (a 1PC from the home core, dispatcher 0's), which is what a TLB shootdown of the domain's address space
/// reaches; a new table in the root page table of a domain on several cores needs their 2PC.</para>
/// <para>This object is the host's handle (the host is outside the system): it starts a main user thread on
/// dispatcher 0 through the domain's host port (a host binding the monitor of dispatcher 0's core made) and tears the
/// domain down. The layers attached to the domain (<see cref="Layer{T}"/>) are domain-wide data in its address space,
/// published once and read by every dispatcher when a layer's message arrives.</para>
/// </summary>
public sealed class Domain : IAsyncDisposable, IDisposable
{
    static int s_nextId;

    readonly DomainOptions _options;
    readonly List<UrpcBinding> _bindings = new();
    readonly UrpcSender _hostPort;
    readonly DomainDispatcher?[] _dispatchers;
    readonly MultikernelSystem _system;
    LayerTable _layers = LayerTable.Empty;
    int _disposed;
    int _quietDispatchers; // dispatchers that will touch none of the domain's rings again (left, or their core stopped)

    public int Id { get; }
    /// <summary>Core indices (of the booted system) of the domain's dispatchers, in dispatcher order.</summary>
    public IReadOnlyList<int> CoreIndices { get; }
    public int DispatcherCount => CoreIndices.Count;
    /// <summary>How the domain's dispatchers wait (for experiments' meta.json).</summary>
    public WaitPolicy WaitPolicy => _options.WaitPolicy;
    /// <summary>The domain's address space: page tables retyped from dispatcher 0's RAM, on dispatcher 0's core (core-local there; walked by every core of the domain).</summary>
    public Pmap AddressSpace { get; private set; } = null!;
    /// <summary>The domain's cores as a set of core indices (the placement the monitors agreed on).</summary>
    public CoreSet CoreSet => CoreSet.Of(CoreIndices);

    /// <summary>The domain whose dispatcher runs the caller (null outside any domain).</summary>
    public static Domain? Current => DomainDispatcher.Current?.Domain;

    Domain(MultikernelSystem system, IReadOnlyList<int> coreIndices, DomainOptions options, UrpcBinding hostBinding, UrpcEndpoint?[][] peers, IEnumerable<UrpcBinding> bindings)
    {
        _system = system;
        _options = options;
        Id = Interlocked.Increment(ref s_nextId);
        CoreIndices = coreIndices;
        _dispatchers = new DomainDispatcher?[coreIndices.Count];
        _made = new int[coreIndices.Count];
        _hostPort = hostBinding.Client.Sender;
        Peers = peers;
        _bindings.Add(hostBinding);
        _bindings.AddRange(bindings);
    }

    /// <summary>Per dispatcher, its ends of the bindings to the others (by dispatcher index; null for itself).</summary>
    UrpcEndpoint?[][] Peers { get; }

    /// <summary>
    /// Creates a domain with one dispatcher on each of <paramref name="coreIndices"/> (core indices of the booted
    /// system; null: all of them): asks the monitors for a binding between every pair of its cores and for a host
    /// binding to the first core, then has the monitor of the first core spawn the dispatchers. Dispatcher i runs on
    /// coreIndices[i]. Each core's RAM cache first reserves what the dispatcher's CSpace and RAM take (waiting for the
    /// memory server's refill if need be), and the dispatcher's start upcall makes them from that reservation, so
    /// domains created at once on one core never count on the same free RAM. Throws
    /// <see cref="InvalidOperationException"/> naming what failed when a dispatcher gets no CSpace and RAM or the
    /// address space cannot be built, once the reservations are given back and the domain made so far is torn down (if
    /// that teardown fails too, its exception is the inner one). When a step cannot be done at all (a core's CPU driver
    /// has faulted, or the system is shutting down), it throws that step's own error (naming the faulted core) once it
    /// has undone what it made: the bindings freed, the reservations given back and the dispatchers it started stopped
    /// on their live cores, without waiting for the faulted one (see <see cref="UndoCreationAsync"/>). Placing a domain
    /// is an agreement of every live core (the monitors leave a faulted core out of their agreements), so a fault on a
    /// core the domain does not use leaves its creation unaffected; a fault on one it uses fails it, naming that core.
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
        if (!UrpcRing.IsValidSize(o.RingSlots))
            throw new ArgumentException($"RingSlots {o.RingSlots} is not a power of two from {UrpcRing.MinSlots} to {UrpcRing.MaxSlots}", nameof(options));
        if (o.WaitPolicy == null) throw new ArgumentException("WaitPolicy is null; a domain's dispatchers need one", nameof(options));
        if (o.RamBytes == 0 || o.RamBytes % CapTypeRules.PageSize != 0)
            throw new ArgumentException($"RamBytes {o.RamBytes} must be a positive multiple of {CapTypeRules.PageSize}", nameof(options));

        // Bindings from the monitors: dispatcher i is the client of its binding with every j > i. A bind that cannot
        // be asked (a faulted core, a system shutting down) or fails frees the bindings made: nothing polls them yet.
        int k = cores.Length;
        var pairs = new List<(int I, int J, Task<UrpcBinding> Binding)>();
        Task<UrpcBinding>? host = null;
        try
        {
            for (int i = 0; i < k; i++)
                for (int j = i + 1; j < k; j++)
                    pairs.Add((i, j, system.BindAsync(cores[i], cores[j], o.RingSlots)));
            host = system.BindHostAsync(cores[0]);
            await Task.WhenAll(pairs.Select(p => (Task)p.Binding).Append(host)).ConfigureAwait(false);
        }
        catch
        {
            await FreeMadeBindingsAsync(host == null ? pairs.Select(p => p.Binding) : pairs.Select(p => p.Binding).Append(host)).ConfigureAwait(false);
            throw;
        }
        var peers = new UrpcEndpoint?[k][];
        for (int i = 0; i < k; i++) peers[i] = new UrpcEndpoint?[k];
        foreach (var (i, j, b) in pairs)
        {
            peers[i][j] = b.Result.Client;
            peers[j][i] = b.Result.Server;
        }
        var hostBinding = host!.Result;
        var domain = new Domain(system, cores, o, hostBinding, peers, pairs.Select(p => p.Binding.Result));
        var ram = new RamReservation?[k];
        try
        {
            // Each core's RAM cache sets aside a dispatcher's CSpace and RAM before the dispatcher starts (refilled by the memory server if need be).
            ulong need = RamCache.SpaceBytes(o.RamBytes);
            var reserving = new List<Task<(CapError Error, RamReservation? Reservation)>>();
            try
            {
                foreach (int c in cores)
                    reserving.Add(system.CallOnAsync<(CapError Error, RamReservation? Reservation)>(c, (m, done) =>
                    {
                        if (m.Ram == null) done((CapError.WrongCore, null)); else m.Ram.Reserve(need, (e, r) => done((e, r)));
                    }));
            }
            finally
            {
                // Every reservation made is recorded, also when a later core refused the call, so that it is given back.
                await AllEnded(reserving).ConfigureAwait(false);
                for (int i = 0; i < reserving.Count; i++)
                    if (reserving[i].IsCompletedSuccessfully) ram[i] = reserving[i].Result.Reservation;
            }
            await Task.WhenAll(reserving).ConfigureAwait(false);
            for (int i = 0; i < k; i++)
                if (reserving[i].Result.Error != CapError.Ok)
                    throw new InvalidOperationException($"core #{cores[i]} cannot give a dispatcher {o.RamBytes} bytes of RAM: {reserving[i].Result.Error}");

            var spawns = new List<Task>();
            try
            {
                for (int i = 0; i < k; i++)
                {
                    int index = i;
                    var reservation = ram[i]!;
                    // The image runs on the target core: the dispatcher is made there, with its ends of the bindings,
                    // unless the creation has been given up (MakeOnce: then it is never made).
                    spawns.Add(system.SpawnAsync(cores[0], cores[i], () => domain.MakeOnce(index) ? domain._dispatchers[index] =
                        new DomainDispatcher(domain, index, domain.Peers[index], index == 0 ? hostBinding.Server.Receiver : null, o.WaitPolicy, o.PollWhileThreadsWait, o.RamBytes, reservation)
                        : throw new OperationCanceledException($"domain {domain.Id}'s creation was given up before dispatcher {index} was made")));
                }
            }
            finally
            {
                await AllEnded(spawns).ConfigureAwait(false);
            }
            await Task.WhenAll(spawns).ConfigureAwait(false);
        }
        catch (Exception failure)
        {
            await domain.UndoCreationAsync(ram, failure).ConfigureAwait(false);
            throw;
        }
        string? failed = null;
        try
        {
            // Each dispatcher made its CSpace in its start upcall, which ran before any later call on its core.
            var memory = await Task.WhenAll(cores.Select((c, i) => system.CallOn(c, _ => domain._dispatchers[i]!.MemoryError))).ConfigureAwait(false);
            for (int i = 0; i < k && failed == null; i++)
                if (memory[i] != CapError.Ok) failed = $"dispatcher {i} on core #{cores[i]} got no CSpace and RAM: {memory[i]}";
            if (failed == null)
            {
                // The placement's agreement involves every live core: the monitors stop waiting for one that faults.
                // A fault of one of the domain's own cores ends the creation at once (its dispatcher is gone).
                var settling = system.CallOnAsync<string?>(cores[0], (m, done) => domain.Settle(m, done));
                while (await Task.WhenAny(settling, Task.Delay(ShutdownCheckInterval)).ConfigureAwait(false) != settling)
                    ThrowIfACoreFaulted(system, domain.Id, cores, "while the monitors placed the domain");
                failed = await settling.ConfigureAwait(false);
            }
            ThrowIfACoreFaulted(system, domain.Id, cores, "while the domain was created");
        }
        catch (Exception failure)
        {
            // A core faulted (or the system began to shut down): the teardown would wait for it for ever.
            await domain.UndoCreationAsync(ram, failure).ConfigureAwait(false);
            throw;
        }
        if (failed != null)
        {
            // What failed is the error; a teardown that fails too is attached to it, never thrown in its place.
            try { await domain.DisposeAsync().ConfigureAwait(false); }
            catch (Exception teardown)
            {
                throw new InvalidOperationException($"domain {domain.Id}: {failed} (and its teardown failed: {teardown.Message})", teardown);
            }
            throw new InvalidOperationException($"domain {domain.Id}: {failed}");
        }
        return domain;
    }

    /// <summary>Throws naming the first of <paramref name="cores"/> whose CPU driver has faulted, if any.</summary>
    static void ThrowIfACoreFaulted(MultikernelSystem system, int id, int[] cores, string when)
    {
        foreach (int c in cores)
            if (system.CoreFault(c) is { } fault)
                throw new InvalidOperationException($"domain {id}: core #{c}'s CPU driver stopped on an unhandled exception ({fault.GetType().Name}: {fault.Message}) {when}; its dispatcher is gone", fault);
    }

    /// <summary>Completes once every task has ended, whether it succeeded or not (their errors are read by the caller).</summary>
    static Task AllEnded(IEnumerable<Task> tasks) => Task.WhenAll(tasks.Select(t => t.ContinueWith(static _ => { }, TaskScheduler.Default)));

    /// <summary>Awaits every bind asked for (a binding made later would be missed) and frees the bindings they made: no dispatcher polls them yet.</summary>
    static async Task FreeMadeBindingsAsync(IEnumerable<Task<UrpcBinding>> binds)
    {
        foreach (var bind in binds)
        {
            try { (await bind.ConfigureAwait(false)).Dispose(); }
            catch (Exception) { } // that bind made nothing: its error is the creation's, or follows from it
        }
    }

    /// <summary>Per dispatcher: 0 not made, 1 made (its image ran on its core), 2 never to be made (the creation was given up).</summary>
    readonly int[] _made;

    /// <summary>On the dispatcher's core, in its image: true if it may be made (once); false once the creation was given up.</summary>
    bool MakeOnce(int index) => Interlocked.CompareExchange(ref _made[index], 1, 0) == 0;

    /// <summary>
    /// <see cref="CreateAsync"/> failed after the bindings were made: undoes all it made, without the teardown's
    /// agreements and stop protocol, which wait for every core and so for ever for a faulted one. No image still on
    /// its way makes a dispatcher from now on; each dispatcher made leaves its core if that core is alive
    /// (<see cref="DomainDispatcher.LeaveUnmade"/>: it gives its CSpace and RAM back); the reservations no dispatcher
    /// used go back to live cores' RAM caches (a faulted core's went with it); and once no dispatcher can poll them
    /// (each has left, or stopped with its core, or never started on a core that faulted) the bindings are freed (or,
    /// when the system shuts down meanwhile, left to it: it frees them once its cores have stopped). Returns normally,
    /// so that the caller throws the original error; throws an <see cref="InvalidOperationException"/> wrapping it
    /// when a dispatcher did not stop within <see cref="DomainOptions.StopTimeout"/> (its channel memory then stays
    /// allocated until the system shuts down). Not undone: placement rows that a settle given up on a faulted core
    /// (see <see cref="CreateAsync"/>) may have committed in the live monitors' replicas.
    /// </summary>
    async Task UndoCreationAsync(RamReservation?[] reservations, Exception failure)
    {
        int k = DispatcherCount;
        var made = new List<int>();
        for (int i = 0; i < k; i++)
            if (Interlocked.CompareExchange(ref _made[i], 2, 0) == 1) made.Add(i);
        var gone = new bool[k]; // its core has run LeaveUnmade, after the image: the dispatcher, if made at all, has left
        foreach (int i in made)
        {
            int index = i;
            try
            {
                await _system.CallOn(CoreIndices[i], _ => { Volatile.Read(ref _dispatchers[index])?.LeaveUnmade(); return true; }).ConfigureAwait(false);
                gone[i] = true;
            }
            catch (Exception e) when (e is ObjectDisposedException or OperationCanceledException or InvalidOperationException) { } // shutting down, or that core faulted: waited for below
        }
        await UnreserveAsync(_system, CoreIndices.ToArray(), reservations).ConfigureAwait(false);
        var deadline = DateTime.UtcNow + _options.StopTimeout;
        foreach (int i in made)
        {
            while (!gone[i] && !StoppedOrNeverStarted(i))
            {
                if (_system.IsShutDown) return; // the system frees the rings once the cores have stopped
                if (DateTime.UtcNow > deadline)
                    throw new InvalidOperationException($"{failure.Message} (and dispatcher {i} of the domain being created did not stop within {_options.StopTimeout.TotalSeconds} s: its channel memory is not freed)", failure);
                await Task.Delay(1).ConfigureAwait(false);
            }
        }
        foreach (var b in _bindings) b.Dispose();
    }

    /// <summary>
    /// Whether dispatcher <paramref name="i"/> can touch none of the domain's rings any more: it has left or stopped
    /// with its core, or its core has faulted (its loop has ended, so it starts nothing more) before it started.
    /// </summary>
    internal bool StoppedOrNeverStarted(int i)
    {
        var d = Volatile.Read(ref _dispatchers[i]);
        if (d != null && (d.HasLeft || d.SystemStopped)) return true;
        return _system.CoreFaulted(CoreIndices[i]) && (d == null || !d.HasStarted);
    }

    /// <summary>
    /// Gives back, each on its core, the reservations that no dispatcher used (a used one is left alone); nothing for
    /// a core whose CPU driver faulted (its RAM cache went with it) or once the system has shut down, which took the
    /// RAM caches with it.
    /// </summary>
    static async Task UnreserveAsync(MultikernelSystem system, int[] cores, RamReservation?[] reservations)
    {
        var giving = new List<Task<bool>>();
        for (int i = 0; i < cores.Length; i++)
            if (reservations[i] is { } r)
            {
                try { giving.Add(system.CallOn(cores[i], m => { m.Ram!.Unreserve(r); return true; })); }
                catch (ObjectDisposedException) when (system.IsShutDown) { return; }
                catch (InvalidOperationException) when (system.CoreFaulted(cores[i])) { }
            }
        foreach (var t in giving)
        {
            try { await t.ConfigureAwait(false); }
            catch (OperationCanceledException) when (system.IsShutDown) { }
            catch (InvalidOperationException) when (system.IsShutDown || cores.Any(system.CoreFaulted)) { } // that core faulted meanwhile
        }
    }

    /// <summary>
    /// On the home core, once every dispatcher has its memory: builds the address space from dispatcher 0's RAM and
    /// places the domain on its cores in every monitor's placement table (1PC from the home core, the rows' only
    /// writer). <paramref name="done"/> gets null, or what failed: the address space could not be built, or a
    /// placement agreement completed without committing (named by its tag; the coordinator reports every 1PC that
    /// completes as committed today, so this is the path for any outcome it may report otherwise).
    /// </summary>
    void Settle(MonitorDispatcher home, Action<string?> done)
    {
        var memory = _dispatchers[0]!.Memory!;
        try { AddressSpace = new Pmap(memory.Frames) { SharedRoot = CoreIndices.Count > 1 }; }
        catch (InvalidOperationException e) { done(e.Message); return; }
        var placed = new Countdown(CoreIndices.Count, () => done(null),
            o => done($"the monitors' placement agreement {o.Tag} did not commit ({o.ReasonText}); the domain is not placed in every replica"));
        foreach (int c in CoreIndices)
            home.Agreement.StartOnePhase(RoutingProtocol.NumaAwareMulticast, home.Agreement.AllCores, SystemTableUpdates.Place((ulong)Id, c), placed);
    }

    /// <summary>
    /// On the home core, at teardown: the domain leaves the placement table (1PC) and its address space's rows leave
    /// the address-space table (2PC, see <see cref="ReleaseRows"/>). <paramref name="done"/> gets whether every
    /// agreement committed.
    /// </summary>
    void Unsettle(MonitorDispatcher home, Action<bool> done)
    {
        var all = home.Agreement.AllCores;
        var removed = new Countdown(CoreIndices.Count + (AddressSpace != null ? 1 : 0), () => done(true), _ => done(false));
        foreach (int c in CoreIndices)
            home.Agreement.StartOnePhase(RoutingProtocol.NumaAwareMulticast, all, SystemTableUpdates.Remove((ulong)Id, c), removed);
        if (AddressSpace != null) new ReleaseRows(home, AddressSpace, all, removed).Start();
    }

    /// <summary>Release 2PCs tried before teardown reports the rows as not released.</summary>
    internal const int ReleaseAttempts = 8;

    /// <summary>
    /// The release of an address space's rows, started again while it aborts: its prepare can only be refused for a
    /// conflicting prepared insert (Locked) or time out, both transient, and the rows of a dead space must not stay
    /// in the replicas. Reports the last outcome after a commit or <see cref="ReleaseAttempts"/> aborts.
    /// </summary>
    sealed class ReleaseRows(MonitorDispatcher home, Pmap space, CoreSet cores, IAgreementCompletion done) : IAgreementCompletion
    {
        int _attempts;

        public void Start()
        {
            _attempts++;
            home.Agreement.Coherence.Release(space, cores, this);
        }

        public void Decided(in AgreementOutcome outcome) { }

        public void Completed(in AgreementOutcome outcome)
        {
            if (outcome.Committed || _attempts >= ReleaseAttempts) done.Completed(outcome);
            else Start();
        }
    }

    /// <summary>
    /// Once a number of agreements have completed: runs <paramref name="done"/> if every one committed, else
    /// <paramref name="aborted"/> with the first that did not (setup and teardown only: it allocates).
    /// </summary>
    sealed class Countdown(int count, Action done, Action<AgreementOutcome> aborted) : IAgreementCompletion
    {
        AgreementOutcome? _firstAborted;

        public void Decided(in AgreementOutcome outcome) { }

        public void Completed(in AgreementOutcome outcome)
        {
            if (!outcome.Committed) _firstAborted ??= outcome;
            if (--count != 0) return;
            if (_firstAborted is { } a) aborted(a); else done();
        }
    }

    /// <summary>The domain's dispatchers, for statistics and tests; their state belongs to their cores.</summary>
    public IReadOnlyList<DomainDispatcher> Dispatchers => _dispatchers.Select(d => d!).ToArray();

    /// <summary>
    /// The layer of type <typeparamref name="T"/> attached to this domain, attaching the one <paramref name="create"/>
    /// makes if there is none yet (once per domain; if two dispatchers race, one attaches and the other's is
    /// dropped, so <paramref name="create"/> must have no side effects). A layer attaches itself before it sends its
    /// first message, so every dispatcher that receives one finds the layer (the message orders the publication).
    /// </summary>
    public T Layer<T>(Func<Domain, T> create) where T : class, IDomainLayer
    {
        while (true)
        {
            var current = Volatile.Read(ref _layers);
            if (current.Find<T>() is { } found) return found;
            var next = current.With(create(this));
            if (Interlocked.CompareExchange(ref _layers, next, current) == current) return (T)next.Last;
        }
    }

    /// <summary>The attached layer that owns message type <paramref name="type"/> (null if none).</summary>
    internal IDomainLayer? LayerOf(byte type) => Volatile.Read(ref _layers).ByType[type];

    /// <summary>Runs <paramref name="main"/> as a user thread on dispatcher 0; the task completes (on the thread pool) when it returns.</summary>
    public Task RunMainAsync(Func<UTask> main)
    {
        ArgumentNullException.ThrowIfNull(main);
        return RunMainAsync<VoidResult>(async () => { await main(); return default; });
    }

    /// <summary>
    /// Runs <paramref name="main"/> as a user thread on dispatcher 0 and returns its result to the host. Throws
    /// <see cref="ObjectDisposedException"/> once the domain is being disposed or its system has shut down, and
    /// <see cref="InvalidOperationException"/> naming the fault if dispatcher 0's CPU driver faults while the request
    /// waits for room in the domain's host port.
    /// </summary>
    public Task<T> RunMainAsync<T>(Func<UTask<T>> main)
    {
        ArgumentNullException.ThrowIfNull(main);
        var request = new MainThreadRequest<T>(main);
        // The home core's host port lock orders the domain's host port messages and this check against Shutdown
        // (see TrySendToHostPort): a request is either sent before the stop message goes into the monitor's port
        // (dispatcher 0 starts it, or fails it when its core stops with the request unread) or refused, never left
        // pending nor written into a ring the system has freed.
        lock (_system.HostPortLock(CoreIndices[0]))
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            if (_system.IsShutDown)
                throw new ObjectDisposedException(ToString(), "the multikernel this domain ran on has shut down (and freed the domain's channels); dispose domains before their system");
            if (!_system.SendPassingUnlessShutDown(_hostPort, CoreIndices[0], request, static h => new DomainMessages.HostStartMain(h)))
                throw new ObjectDisposedException(ToString(), "the multikernel this domain runs on began to shut down while the domain's host port was full");
        }
        return request.Task;
    }

    /// <summary>
    /// Runs synchronous code as the main user thread on dispatcher 0, e.g. a compute kernel that runs fork-join loops
    /// (<c>Multikernel.ParallelLoops.ForkJoin</c>); returns its result to the host.
    /// </summary>
    public Task<T> RunOnMasterAsync<T>(Func<T> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return RunMainAsync(() => new UTask<T>(body()));
    }

    /// <summary>
    /// Tears the domain down: dispatcher 0 tells the others to leave, each releases its channels and leaves its core
    /// (by URPC, on its own core thread), then the host frees the binding memory. Threads still running are
    /// abandoned and a main thread that has not finished fails. Dispose domains before the system they run on; if the
    /// system shuts down first, or while this runs, the teardown waits until every core of the domain has stopped (or
    /// its dispatcher has left) and ends without error: the domain went down with its cores, and no ring is freed
    /// while a core of the domain may still poll it.
    /// Throws <see cref="InvalidOperationException"/>, once the rest of the teardown is done, if the address space's
    /// rows could not be released from the monitors' replicas, or naming the core if a core of the domain other than
    /// dispatcher 0's has faulted (its dispatcher stopped with it; the others leave as usual and the rings are
    /// freed). If dispatcher 0's core has faulted, the teardown cannot be asked of it and fails at once naming the
    /// fault; the other dispatchers then stay until the system shuts down.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (_system.IsShutDown)
        {
            await StopWithSystemAsync().ConfigureAwait(false);
            return;
        }
        Task<bool> unsettled;
        try { unsettled = _system.CallOnAsync<bool>(CoreIndices[0], (m, done) => Unsettle(m, done)); }
        catch (ObjectDisposedException) when (_system.IsShutDown)
        {
            await StopWithSystemAsync().ConfigureAwait(false);
            return;
        }
        if (await Task.WhenAny(unsettled, Task.Delay(_options.StopTimeout)).ConfigureAwait(false) != unsettled)
            throw new TimeoutException($"domain {Id}: the monitors did not remove it from their tables within {_options.StopTimeout.TotalSeconds} s");
        bool rowsReleased;
        try { rowsReleased = await unsettled.ConfigureAwait(false); }
        catch (OperationCanceledException) when (_system.IsShutDown)
        {
            await StopWithSystemAsync().ConfigureAwait(false);
            return;
        }
        var left = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!TrySendToHostPort(left))
        {
            await StopWithSystemAsync().ConfigureAwait(false);
            return;
        }
        // Dispatcher 0 completes `left` once every peer has said it left; then wait for each peer's last channel
        // access to be behind it. A shutdown of the system meanwhile stops the cores before they all leave.
        var timeout = _options.StopTimeout;
        var deadline = DateTime.UtcNow + timeout;
        // A dispatcher on a core whose CPU driver faulted never leaves: it stopped with its core (dispatcher 0 does not
        // wait for it either), touches no ring any more, and the teardown ends with an error naming that core.
        while (!left.Task.IsCompleted || !Enumerable.Range(0, DispatcherCount).All(i => _dispatchers[i]!.HasLeft || StoppedWithFaultedCore(i)))
        {
            if (_system.IsShutDown)
            {
                await StopWithSystemAsync().ConfigureAwait(false);
                return;
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException(left.Task.IsCompleted
                    ? $"domain {Id}: a dispatcher did not leave within {timeout.TotalSeconds} s; its channel memory is not freed"
                    : $"domain {Id} did not stop within {timeout.TotalSeconds} s (a dispatcher is stuck in user code?); its channel memory is not freed");
            if (left.Task.IsCompleted) await Task.Delay(1).ConfigureAwait(false);
            else await Task.WhenAny(left.Task, Task.Delay(ShutdownCheckInterval)).ConfigureAwait(false);
        }
        // Under the home core's host port lock, while the system has not begun to shut down, it cannot free the rings.
        lock (_system.HostPortLock(CoreIndices[0]))
            if (!_system.IsShutDown) ReleaseUnreadMessages();
        // Free the rings now rather than when the system shuts down (the monitors that made them skip freed ones).
        foreach (var b in _bindings) b.Dispose();
        ThrowIfACoreFaulted(_system, Id, CoreIndices.ToArray(), "before the domain was torn down; the rest of the domain was torn down without it");
        if (!rowsReleased)
            throw new InvalidOperationException($"domain {Id}: the release of its address space's rows from the monitors' address-space table aborted {ReleaseAttempts} times; the rows stay in every replica");
    }

    /// <summary>Whether dispatcher <paramref name="i"/>'s core has faulted and the dispatcher will touch no ring any more.</summary>
    bool StoppedWithFaultedCore(int i) => _system.CoreFaulted(CoreIndices[i]) && StoppedOrNeverStarted(i);

    /// <summary>How often a teardown waiting for dispatcher 0 checks whether the system has begun to shut down.</summary>
    static readonly TimeSpan ShutdownCheckInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// Sends the domain's stop request (completing <paramref name="left"/> when dispatcher 0 has left) into its host
    /// port, or returns false once the system has begun to shut down. Under the home core's host port lock, which
    /// Shutdown takes to stop that core after setting its flag: a send that passed the check goes into a ring that
    /// the system frees only after the core has stopped.
    /// </summary>
    bool TrySendToHostPort(TaskCompletionSource left)
    {
        lock (_system.HostPortLock(CoreIndices[0]))
        {
            return !_system.IsShutDown && _system.SendPassingUnlessShutDown(_hostPort, CoreIndices[0], left, static h => new DomainMessages.HostStop(h));
        }
    }

    /// <summary>
    /// Teardown when the system shuts down under the domain: its cores stop, and the system frees the domain's rings
    /// once all of them have. Waits until no dispatcher can touch a ring any more (each has left or its core has
    /// stopped), then frees the rings (the system's free of the same rings is then a no-op, or this one is).
    /// </summary>
    async ValueTask StopWithSystemAsync()
    {
        var timeout = _options.StopTimeout;
        var deadline = DateTime.UtcNow + timeout;
        while (!_dispatchers.All(d => d is null || d.HasLeft || d.SystemStopped))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"domain {Id}: the multikernel is shutting down, but a core of the domain did not stop within {timeout.TotalSeconds} s; its channel memory is not freed");
            await Task.Delay(1).ConfigureAwait(false);
        }
        foreach (var b in _bindings) b.Dispose();
    }

    /// <summary>
    /// Called on its core thread by each dispatcher once it will touch none of the domain's rings again: it has left
    /// its core, or its core has stopped (the system shut down under the domain, or the core faulted). The last of them
    /// takes the messages no dispatcher will read any more (<see cref="ReleaseUnreadMessages"/>); the count's full
    /// fence orders every other dispatcher's last ring access before that. Each calls this before it says that it has
    /// left or stopped, so no ring is freed under the drain.
    /// </summary>
    internal void DispatcherQuiet()
    {
        if (Interlocked.Increment(ref _quietDispatchers) == DispatcherCount) ReleaseUnreadMessages();
    }

    /// <summary>True once a dispatcher of the domain has left its core or stopped with it: it answers no message any more.</summary>
    internal bool AnyDispatcherQuiet => Volatile.Read(ref _quietDispatchers) != 0;

    /// <summary>
    /// Teardown, once every dispatcher has left or stopped (nobody reads the domain's rings any more): takes the
    /// messages still in the rings between dispatchers, which a dispatcher that had left or stopped never read, so
    /// that the objects they name are released (<see cref="DomainDispatcher.ReleaseUnhandled"/>).
    /// </summary>
    void ReleaseUnreadMessages()
    {
        foreach (var ends in Peers)
            foreach (var end in ends)
                if (end != null)
                    while (end.Receiver.TryReceive(out var m)) DomainDispatcher.ReleaseUnhandled(in m);
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public override string ToString() => $"domain {Id} on core indices {string.Join(',', CoreIndices)}";

    /// <summary>The attached layers and which owns each message type; immutable, replaced as a whole when a layer attaches.</summary>
    sealed class LayerTable
    {
        public static readonly LayerTable Empty = new([], new IDomainLayer?[256]);

        readonly IDomainLayer[] _all;
        public IDomainLayer?[] ByType { get; }
        public IDomainLayer Last => _all[^1];

        LayerTable(IDomainLayer[] all, IDomainLayer?[] byType)
        {
            _all = all;
            ByType = byType;
        }

        public T? Find<T>() where T : class
        {
            foreach (var l in _all) if (l is T t) return t;
            return null;
        }

        public LayerTable With(IDomainLayer layer)
        {
            var byType = (IDomainLayer?[])ByType.Clone();
            foreach (byte type in layer.MessageTypes)
            {
                if (type < DomainMessages.FirstLayerType)
                    throw new ArgumentException($"layer {layer.GetType().Name} claims message type {type}; types below {DomainMessages.FirstLayerType} belong to the domain");
                if (byType[type] != null)
                    throw new ArgumentException($"layer {layer.GetType().Name} claims message type {type}, which {byType[type]!.GetType().Name} owns");
                byType[type] = layer;
            }
            return new LayerTable([.. _all, layer], byType);
        }
    }
}
