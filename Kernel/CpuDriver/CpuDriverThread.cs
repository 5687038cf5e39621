using System.Diagnostics;
using System.Runtime.InteropServices;
using Multikernel.Capabilities;
using Multikernel.Hardware;
using Multikernel.Urpc;

namespace Multikernel.CpuDriver;

/// <summary>
/// The CPU driver of one core: a single OS thread pinned to that core running an event loop that schedules the
/// core's dispatchers by upcall. Each round it visits the dispatchers in turn: polls a dispatcher's waitset (message
/// upcalls) and gives it a run upcall. When a whole round finds nothing to do and no dispatcher reports local work it
/// idles under its <see cref="WaitPolicy"/>: keeps polling for the policy's budget, then blocks on the core's notifier
/// (the modelled IPI) until a message arrives.
/// <para>Blocked dispatchers: a dispatcher whose last visit handled nothing and which reports no local work waits on
/// its waitset (Barrelfish: it has yielded the CPU). While another dispatcher of the core is runnable, the driver
/// visits the blocked ones only on a <see cref="BlockedVisitInterval"/>-th round at least <see cref="BlockedVisitSlice"/>
/// after the last such visit (the clock is read on those rounds only), so a runnable dispatcher's message path does
/// not pay for polling every other dispatcher's channels (a monitor has two per other core) on its short rounds: a
/// Barrelfish dispatcher keeps the CPU for its time slice and does not poll the monitor's channels. While no
/// dispatcher is runnable every round visits all of them.</para>
/// <para>Invariants: the dispatcher table, the run loop and everything reached from them are touched only by this
/// core's thread, with one exception made at boot: <see cref="Adopt"/> may be called before the thread starts.
/// Between rounds no dispatcher is current; every dispatcher in the table is attached to this driver (checked in
/// Debug builds). A blocked dispatcher goes without a visit for at most <see cref="BlockedVisitSlice"/> and then
/// <see cref="BlockedVisitInterval"/> rounds, and for no round that follows a round in which no dispatcher was
/// runnable.</para>
/// </summary>
public sealed class CpuDriverThread : IDisposable
{
    /// <summary>While a dispatcher of the core is runnable, blocked ones are visited at most every this many rounds (a power of two).</summary>
    public const int BlockedVisitInterval = 16;
    /// <summary>The default <see cref="BlockedVisitSlice"/>: 10 µs, a short time slice (Barrelfish's are milliseconds).</summary>
    public static readonly TimeSpan DefaultBlockedVisitSlice = TimeSpan.FromMicroseconds(10);

    Dispatcher[] _dispatchers = [];
    readonly List<Dispatcher> _starting = new();
    Thread? _thread;
    volatile bool _stopRequested;
    Exception? _fault;
    RoundState _state = new() { Current = -1 };
    int _nextSlot;
    readonly ulong _sliceCycles; // BlockedVisitSlice in cycles (0: every BlockedVisitInterval-th round)

    /// <summary>The OS CPU number this driver is pinned to.</summary>
    public int Core { get; }
    /// <summary>Index of this core among the booted cores (0 = bootstrap core).</summary>
    public int CoreIndex { get; }
    public Notifier Notifier { get; }
    /// <summary>How the core idles when a round finds nothing to do.</summary>
    public WaitPolicy WaitPolicy { get; }
    /// <summary>While a dispatcher is runnable, the blocked ones are visited at most once per this time (and only on a <see cref="BlockedVisitInterval"/>-th round); zero: on every such round.</summary>
    public TimeSpan BlockedVisitSlice { get; }
    /// <summary>Set once the thread has pinned itself and is about to enter its loop.</summary>
    public ManualResetEventSlim Started { get; } = new(false);
    /// <summary>The exception that ended the loop, if one did (the core's dispatchers then had their stop upcall).</summary>
    public Exception? Fault => _fault;

    /// <summary>
    /// Called on this core's thread once the loop has ended on <see cref="Fault"/> and the dispatchers have had their stop
    /// upcalls: the system fails what the host has posted to this core, which will read nothing more. Set before
    /// <see cref="Start"/>.
    /// </summary>
    internal Action<Exception>? Faulted { get; set; }
    public IReadOnlyList<Dispatcher> Dispatchers => _dispatchers;
    /// <summary>The dispatcher whose upcall is running now (null between upcalls).</summary>
    public Dispatcher? CurrentDispatcher => _state.Current >= 0 ? _dispatchers[_state.Current] : null;
    /// <summary>This core's capability driver: where its dispatchers' capability invocations ("system calls") are checked (null until attached).</summary>
    public CapabilityDriver? Capabilities { get; private set; }

    internal bool IsCurrentThread => _thread != null && Thread.CurrentThread == _thread;

    /// <param name="blockedVisitSlice">See <see cref="BlockedVisitSlice"/> (default <see cref="DefaultBlockedVisitSlice"/>).</param>
    public CpuDriverThread(int core, int coreIndex, WaitPolicy waitPolicy, TimeSpan? blockedVisitSlice = null)
        : this(core, coreIndex, waitPolicy, new Notifier(), blockedVisitSlice) { }

    /// <summary>A CPU driver whose notifier is given: in process mode, the view of this core's word in the shared region.</summary>
    internal CpuDriverThread(int core, int coreIndex, WaitPolicy waitPolicy, Notifier notifier, TimeSpan? blockedVisitSlice = null)
    {
        ArgumentNullException.ThrowIfNull(waitPolicy);
        var slice = blockedVisitSlice ?? DefaultBlockedVisitSlice;
        ArgumentOutOfRangeException.ThrowIfLessThan(slice, TimeSpan.Zero, nameof(blockedVisitSlice));
        Core = core;
        CoreIndex = coreIndex;
        WaitPolicy = waitPolicy;
        Notifier = notifier;
        BlockedVisitSlice = slice;
        _sliceCycles = (ulong)CycleClock.FromNanoseconds(slice.TotalNanoseconds);
    }

    /// <summary>
    /// Adds a dispatcher to this core; its <see cref="Dispatcher.OnStart"/> upcall runs at the top of the next round, or,
    /// when a start upcall adopts it, in the same start phase: always before its first message or run upcall.
    /// </summary>
    public DispatcherId Adopt(Dispatcher d)
    {
        if (_thread != null && !IsCurrentThread)
            throw new InvalidOperationException($"dispatchers join core {Core} only through its monitor (a URPC request), not from another thread");
        d.Attach(this, _nextSlot++);
        d.TableIndex = _dispatchers.Length;
        _dispatchers = [.. _dispatchers, d];
        _starting.Add(d);
        return d.Id;
    }

    /// <summary>Gives this core its capability driver (before the thread starts, or on this core's thread), which then accepts invocations only from this core's thread.</summary>
    public void AttachCapabilities(CapabilityDriver capabilities)
    {
        ArgumentNullException.ThrowIfNull(capabilities);
        if (_thread != null && !IsCurrentThread)
            throw new InvalidOperationException($"core {Core} gets its capability driver at boot or on its own thread, not from another thread");
        if (Capabilities != null) throw new InvalidOperationException($"core {Core} already has a capability driver");
        if (capabilities.Core != CoreIndex) throw new ArgumentException($"that capability driver is core #{capabilities.Core}'s, this is core #{CoreIndex}", nameof(capabilities));
        Capabilities = capabilities;
        if (IsCurrentThread) capabilities.BindToCurrentThread();
    }

    /// <summary>
    /// Removes a dispatcher from this core (its domain is being torn down). Called on this core's thread, typically
    /// from the dispatcher's own run upcall once it has released its channels; it gets no further upcalls (not even
    /// <see cref="Dispatcher.OnStop"/>). Slots are never reused, so a retired dispatcher's id stays unique.
    /// </summary>
    public void Retire(Dispatcher d)
    {
        if (!IsCurrentThread)
            throw new InvalidOperationException($"a dispatcher leaves core {Core} only from that core's own thread");
        int i = d.TableIndex; // the dispatcher's index in this core's table (Adopt, and renumbered here), -1 once retired
        if ((uint)i >= (uint)_dispatchers.Length || _dispatchers[i] != d) throw new ArgumentException($"{d.Name} is not a dispatcher of core {Core}", nameof(d));
        _dispatchers = [.. _dispatchers[..i], .. _dispatchers[(i + 1)..]];
        for (int j = i; j < _dispatchers.Length; j++) _dispatchers[j].TableIndex = j;
        d.TableIndex = -1;
        _starting.Remove(d);
        if (_state.Current == i) _state.Current = -1;
        else if (_state.Current > i) _state.Current--;
    }

    /// <summary>
    /// Creates a same-core LRPC binding from <paramref name="caller"/> to <paramref name="callee"/> (both dispatchers of
    /// this core) that holds <paramref name="endpoint"/>: a live Endpoint capability with <see cref="CapRights.Write"/>
    /// (the right to call) that names <paramref name="callee"/>. Deleting or revoking that capability stops further
    /// calls. (A core's monitor mints such endpoints: <c>MonitorDispatcher.BindLrpc</c>.)
    /// </summary>
    public LrpcBinding BindLrpc(Dispatcher caller, Dispatcher callee, CapHandle endpoint)
    {
        if (caller.Driver != this || callee.Driver != this)
            throw new ArgumentException($"LRPC binds two dispatchers of the same core; {caller.Name} is on core {caller.Driver.Core}, {callee.Name} on core {callee.Driver.Core}");
        if (callee is not ILrpcServer server)
            throw new ArgumentException($"{callee.Name} does not accept LRPC calls (it is not an {nameof(ILrpcServer)})");
        if (endpoint.CheckEndpointFor(callee, CapRights.Write) is var check && check != CapError.Ok)
            throw new ArgumentException($"LRPC to {callee.Name} needs a live Endpoint capability with the Write right that names it: {check}", nameof(endpoint));
        return new LrpcBinding(this, caller, callee, server, endpoint);
    }

    /// <summary>Makes <paramref name="d"/> current (an LRPC's direct switch); returns the dispatcher that was (null: none), for <see cref="CurrentDispatcherRestore"/>.</summary>
    internal Dispatcher? CurrentDispatcherSwitch(Dispatcher d)
    {
        var previous = CurrentDispatcher;
        _state.Current = d.TableIndex;
        return previous;
    }

    /// <summary>
    /// Makes <paramref name="previous"/> current again after an LRPC, at its index now: a call that retired a
    /// dispatcher has renumbered the table, and one that retired <paramref name="previous"/> leaves none current.
    /// </summary>
    internal void CurrentDispatcherRestore(Dispatcher? previous) => _state.Current = previous?.TableIndex ?? -1;

    public void Start(string name)
    {
        if (_thread != null) throw new InvalidOperationException($"core {Core} already started");
        _thread = new Thread(Loop) { Name = name, IsBackground = true };
        _thread.Start();
    }

    /// <summary>Asks the loop to stop after its current round. Called by the monitor on its own core, or by the system's Shutdown from the host when the core has read nothing for its timeout.</summary>
    public void RequestStop() => _stopRequested = true;

    public bool Join(TimeSpan timeout) => _thread == null || _thread.Join(timeout);

    void Loop()
    {
        try
        {
            CoreAffinity.PinCurrentThread(Core);
            Capabilities?.BindToCurrentThread();
            Started.Set();
            var probe = new WorkProbe(this);
            // Counts from the last round that made progress or left a dispatcher runnable: an idle spell polls its
            // budget once, and after that each bounded sleep that ends with nothing to do is followed by one round and
            // the next sleep.
            var idle = new WaitState();
            while (!_stopRequested)
            {
                // Progress, or a dispatcher with local work: straight back to the round (the idle probe would say so).
                if (RunRound() || _state.Runnable) { idle.Reset(); continue; }
                WaitPolicy.Idle(ref idle, ref probe, Notifier, EarliestWakeAt());
            }
            foreach (var d in _dispatchers)
            {
                if (d.TableIndex < 0) continue; // retired by an earlier stop upcall
                _state.Current = d.TableIndex;
                d.OnStop();
            }
            _state.Current = -1;
        }
        catch (Exception e)
        {
            _fault = e;
            Console.Error.WriteLine($"CPU driver on core {Core} stopped by an unhandled exception in {CurrentDispatcher?.Name ?? "the driver"}: {e}");
            StopAfterFault();
            try { Faulted?.Invoke(e); }
            catch (Exception hookError) { Console.Error.WriteLine($"CPU driver on core {Core}: failing the host's calls after the fault threw: {hookError}"); }
            Started.Set();
        }
    }

    /// <summary>
    /// The loop has ended on <see cref="Fault"/>: every started dispatcher still in the table gets its stop upcall, as at
    /// a shutdown, so that what waits on this core is told that it will answer nothing more (a domain's main thread
    /// fails, a monitor answers the requests it sent). A stop upcall that throws too is reported and does not keep
    /// the others from theirs.
    /// </summary>
    void StopAfterFault()
    {
        foreach (var d in _dispatchers)
        {
            if (d.TableIndex < 0 || _starting.Contains(d)) continue; // retired meanwhile, or never started
            _state.Current = d.TableIndex;
            try { d.OnStop(); }
            catch (Exception stopError)
            {
                Console.Error.WriteLine($"CPU driver on core {Core}: the stop upcall of {d.Name} after the fault threw too: {stopError}");
            }
        }
        _state.Current = -1;
    }

    /// <summary>
    /// One scheduling round: visits every dispatcher that is not blocked, and the blocked ones too when no dispatcher
    /// was runnable in the last round, or on a <see cref="BlockedVisitInterval"/>-th round once a
    /// <see cref="BlockedVisitSlice"/> has passed. Returns true if anything made progress; sets the round state's Runnable.
    /// </summary>
    bool RunRound()
    {
        bool progress = false;
        // Start upcalls until none is due: one that adopts a dispatcher has it started here, before this round's run
        // upcalls (the table below holds it); one that retires a dispatcher not yet started takes it off the list.
        while (_starting.Count > 0)
        {
            var d = _starting[0];
            _starting.RemoveAt(0);
            _state.Current = d.TableIndex;
            d.Blocked = false;
            d.OnStart();
            progress = true;
        }
        var ds = _dispatchers;
        bool visitBlocked = !_state.Runnable || ((++_state.Round & (BlockedVisitInterval - 1)) == 0 && SliceOver());
        bool runnable = false;
        for (int i = 0; i < ds.Length; i++)
        {
            var d = ds[i];
            // The round walks the table as it was when the round began: a dispatcher retired since (TableIndex -1) by an
            // earlier upcall of this round, or by its own message upcall, gets no further upcall.
            if (d.TableIndex < 0 || (d.Blocked && !visitBlocked)) continue;
            _state.Current = d.TableIndex;
            bool handled = d.Waitset.Poll() > 0;
            if (handled) progress = true;
            if (d.TableIndex < 0) continue;
            if (d.Run()) handled = progress = true;
            if (d.TableIndex < 0) continue;
            bool blocked = !handled && !d.HasLocalWork;
            if (d.Blocked != blocked) d.Blocked = blocked; // written only when it changes: a running dispatcher's object line stays clean
            runnable |= !blocked;
        }
        _state.Runnable = runnable;
        _state.Current = -1;
        AssertInvariants();
        return progress;
    }

    /// <summary>On a <see cref="BlockedVisitInterval"/>-th round of a runnable core: has a slice passed since the last visit it allowed? Reads the clock.</summary>
    bool SliceOver()
    {
        if (_sliceCycles == 0) return true;
        ulong now = CycleClock.Now();
        if (now - _state.LastSliceVisit < _sliceCycles) return false;
        _state.LastSliceVisit = now;
        return true;
    }

    /// <summary>The earliest timer of any dispatcher (ulong.MaxValue: none): an idle spell does not sleep past it.</summary>
    ulong EarliestWakeAt()
    {
        ulong at = ulong.MaxValue;
        foreach (var d in _dispatchers) at = Math.Min(at, d.WakeAt);
        return at;
    }

    bool AnyWork()
    {
        if (_stopRequested || _starting.Count > 0) return true;
        var ds = _dispatchers;
        // Local work first: a core whose dispatcher reports it goes straight back to its round without scanning every
        // waitset (the monitor's alone has a ring per other core).
        foreach (var d in ds)
            if (d.HasLocalWork) return true;
        foreach (var d in ds)
            if (d.Waitset.AnyPending()) return true;
        return false;
    }

    readonly struct WorkProbe(CpuDriverThread driver) : IWorkProbe
    {
        public bool HasWork() => driver.AnyWork();
    }

    [Conditional("DEBUG")]
    void AssertInvariants()
    {
        Debug.Assert(_state.Current == -1, $"core {Core}: {CurrentDispatcher?.Name} is still current between rounds");
        for (int i = 0; i < _dispatchers.Length; i++)
        {
            var d = _dispatchers[i];
            Debug.Assert(d.IsAdopted && d.Driver == this, $"core {Core}: {d.Name} is in the table but attached elsewhere");
            Debug.Assert(d.TableIndex == i, $"core {Core}: {d.Name} is at index {i} of the table but records {d.TableIndex}");
        }
    }

    public void Dispose()
    {
        Notifier.Dispose();
        Started.Dispose();
    }

    /// <summary>
    /// What every round writes, on cache lines of its own: the drivers of all cores are made by one thread at boot, so
    /// without the padding a core's round state could share a line with another core's objects, and every round would
    /// take that line from the other core. 64 bytes of padding before the fields and more after them keep every line the
    /// fields touch inside this struct, wherever the runtime places it in the object.
    /// </summary>
    [StructLayout(LayoutKind.Explicit, Size = 3 * CacheLine)]
    struct RoundState
    {
        const int CacheLine = 64;
        /// <summary>Index in the dispatcher table of the dispatcher whose upcall runs (-1: none); an int, so switching costs no GC write barrier.</summary>
        [FieldOffset(CacheLine)] public int Current;
        /// <summary>Rounds so far (wraps).</summary>
        [FieldOffset(CacheLine + 4)] public uint Round;
        /// <summary>Cycle time of the last visit of the blocked dispatchers made on the slice rule.</summary>
        [FieldOffset(CacheLine + 8)] public ulong LastSliceVisit;
        /// <summary>Some dispatcher handled something or reported local work in the last round.</summary>
        [FieldOffset(CacheLine + 16)] public bool Runnable;
    }
}
