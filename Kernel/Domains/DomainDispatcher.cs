using Multikernel.Capabilities;
using Multikernel.CpuDriver;
using Multikernel.Hardware;
using Multikernel.Memory;
using Multikernel.Monitor;
using Multikernel.Monitor.Agreement;
using Multikernel.Threads;
using Multikernel.Urpc;
using static Multikernel.Domains.DomainMessages;

namespace Multikernel.Domains;

/// <summary>
/// A domain's dispatcher on one core: runs the domain's user threads on that core (its <see cref="Scheduler"/>),
/// hands messages of layers above the domain (fork-join loops) to them, and talks to the domain's other dispatchers
/// only by URPC, one binding per pair. Dispatcher 0 also owns the domain's host port. Each dispatcher has a CSpace
/// of its own with RAM from its core's RAM cache (<see cref="Memory"/>, made when it starts, given back when it
/// leaves); its memory operations are capability invocations checked by its core's CPU driver.
/// <para>Invariant: every member is used on this core's thread only (message handlers and upcalls), except
/// <see cref="HasLeft"/> and <see cref="SystemStopped"/>, which the host reads. While one of its handlers or upcalls
/// runs, its scheduler is the core thread's <see cref="Scheduler.Current"/>.</para>
/// </summary>
public sealed class DomainDispatcher : Dispatcher, IThreadDispatcher
{
    readonly UrpcEndpoint?[] _peers;
    readonly UrpcOutbox _outbox;
    readonly UrpcReceiver? _hostPort;
    readonly WaitPolicy _waitPolicy;
    readonly bool _pollWhileThreadsWait;
    readonly ulong _ramBytes;
    readonly RamReservation _ram;
    readonly List<MainThreadRequest> _mains = new();
    ulong _hotUntil;
    bool _stopRequested;
    int _stopAcksMissing;
    bool[]? _stopAcked; // dispatcher 0, by peer index: that peer said it left
    TaskCompletionSource? _stopReply;
    RamRevoke? _ramRevoke;
    volatile bool _hasLeft;
    volatile bool _systemStopped;
    volatile bool _started;

    public Domain Domain { get; }
    /// <summary>This dispatcher's index within its domain (0 = the first, which runs the main thread).</summary>
    public int Index { get; }
    public Scheduler Scheduler { get; }
    /// <summary>This dispatcher's CSpace, slots and RAM (from its start upcall until it leaves; core-local).</summary>
    public DispatcherMemory? Memory { get; private set; }
    /// <summary>Why the dispatcher has no <see cref="Memory"/> (Ok when it has).</summary>
    public CapError MemoryError { get; private set; }

    /// <summary>The domain dispatcher whose handler or upcall runs now on this core thread (null outside any).</summary>
    public static DomainDispatcher? Current => Scheduler.Current?.Owner as DomainDispatcher;

    /// <summary>Messages to peers that found the peer's ring full and waited in this dispatcher's backlog.</summary>
    public long MessagesBacklogged => _outbox.EverBacklogged;

    /// <summary>
    /// Set from the moment this dispatcher learns that the domain is being torn down, or that a dispatcher of the
    /// domain has left its core or stopped with it (the system shut down under the domain, or a core faulted): a peer
    /// may answer no message from then on, so a nested wait on the peers must stop waiting (else this core would never
    /// return to its loop, and so never read its own stop message).
    /// </summary>
    internal bool StopRequested => _stopRequested || Domain.AnyDispatcherQuiet;
    /// <summary>Set once this dispatcher has left its core and will touch no channel again.</summary>
    internal bool HasLeft => _hasLeft;
    /// <summary>Set when the whole system shut down under the domain, or its core's CPU driver faulted (its core thread has ended).</summary>
    internal bool SystemStopped => _systemStopped;
    /// <summary>Set once its start upcall has begun: before that it polls none of the domain's rings.</summary>
    internal bool HasStarted => _started;

    /// <param name="peers">This dispatcher's end of the binding with each other dispatcher, by index (null for itself).</param>
    /// <param name="hostPort">Dispatcher 0 only: the receiving end of the host's port.</param>
    /// <param name="ram">RAM its core's cache set aside for its CSpace and <paramref name="ramBytes"/> of RAM (<see cref="RamCache.SpaceBytes"/>); the start upcall uses it.</param>
    internal DomainDispatcher(Domain domain, int index, UrpcEndpoint?[] peers, UrpcReceiver? hostPort, WaitPolicy waitPolicy, bool pollWhileThreadsWait, ulong ramBytes, RamReservation ram)
        : base($"domain {domain.Id} dispatcher {index}")
    {
        _ramBytes = ramBytes;
        _ram = ram;
        Domain = domain;
        Index = index;
        _peers = peers;
        _outbox = new UrpcOutbox(peers.Select(p => p?.Sender).ToArray());
        _hostPort = hostPort;
        _waitPolicy = waitPolicy;
        _pollWhileThreadsWait = pollWhileThreadsWait;
        Scheduler = new Scheduler(this);
    }

    protected internal override void OnStart()
    {
        _started = true; // first: from here on this dispatcher may poll the domain's rings
        Waitset.AddPeers(_peers, OnPeerMessage);
        if (_hostPort != null) Waitset.Add(_hostPort, OnHostMessage);
        var monitor = MonitorDispatcher.On(Driver);
        if (monitor.Ram != _ram.Cache) { MemoryError = CapError.WrongCore; return; }
        MemoryError = _ram.Cache.CreateSpace(_ram, _ramBytes, out var memory);
        if (MemoryError != CapError.Ok) return;
        Memory = memory;
        monitor.RegisterCSpace(Id, memory.Space);
    }

    protected internal override bool HasLocalWork =>
        Scheduler.ReadyThreads > 0 || _outbox.Pending > 0 || _stopRequested || (_hotUntil != 0 && CycleClock.Now() < _hotUntil);

    protected internal override bool Run()
    {
        var previous = Scheduler.Enter(Scheduler);
        try
        {
            bool progress = _outbox.Flush();
            if (Scheduler.RunReady() > 0)
            {
                progress = true;
                if (_pollWhileThreadsWait && Scheduler.LiveThreads > Scheduler.ReadyThreads) KeepHot();
            }
            if (_stopRequested && TryLeave()) progress = true;
            return progress;
        }
        finally { Scheduler.Exit(previous); }
    }

    /// <summary>
    /// The core stopped under the domain: main threads fail, and what this dispatcher will never send (its backlog) or
    /// read (its host port; its peer rings once every dispatcher is quiet, <see cref="Domain.DispatcherQuiet"/>) gives
    /// up the objects it names.
    /// </summary>
    protected internal override void OnStop()
    {
        Scheduler.ReturnIdleFrames();
        FailMains(Driver.Fault is { } fault
            ? new OperationCanceledException($"core #{Driver.CoreIndex}'s CPU driver stopped on an unhandled exception before the domain's main thread finished: {fault.GetType().Name}: {fault.Message}", fault)
            : new OperationCanceledException("the multikernel shut down before the domain's main thread finished"));
        FailUnreadHostMessages();
        _outbox.Discard(static (int _, in UrpcMessage m) => ReleaseUnhandled(in m));
        Domain.DispatcherQuiet();
        _systemStopped = true; // last: from here on the host may free the domain's rings (Domain.StopWithSystemAsync)
    }

    /// <summary>
    /// The core stopped (the system shut down): the host port is another ring than the monitor's, so requests sent
    /// into it before the stop message may be unread. A main thread's request fails (its host would wait for ever),
    /// and a stop request's handle is released (its teardown sees the shutdown itself).
    /// </summary>
    void FailUnreadHostMessages()
    {
        if (_hostPort == null) return;
        while (_hostPort.TryReceive(out var m))
        {
            if (m.Type == HostStartMain.TypeId)
                ObjectHandle.Take<MainThreadRequest>(HostStartMain.Decode(in m).Request)
                    .Fail(new OperationCanceledException("the multikernel shut down before the domain's dispatcher 0 started this main thread"));
            else if (m.Type == HostStop.TypeId)
                ObjectHandle.Take<TaskCompletionSource>(HostStop.Decode(in m).Completion);
        }
    }

    // ---- the threads package's view (IThreadDispatcher) ------------------------------------------------------

    int IThreadDispatcher.DispatcherCount => Domain.DispatcherCount;

    void IThreadDispatcher.AssertOnCore() => AssertOnCore();

    bool IThreadDispatcher.SameDomainAs(IThreadDispatcher other) => other is DomainDispatcher d && d.Domain == Domain;

    void IThreadDispatcher.SendWake(int to, int slot) => _outbox.Send(to, new Wake(slot));

    void IThreadDispatcher.SendSpawn(int to, UThread thread) =>
        _outbox.Send(to, new SpawnThread(ObjectHandle.Pass(thread)));

    // ---- for layers above the domain --------------------------------------------------------------------------

    /// <summary>Sends a message to dispatcher <paramref name="to"/> of this domain (queued if its ring is full).</summary>
    public void Send<T>(int to, in T message) where T : struct, IUrpcMessage<T>
    {
        AssertOnCore();
        _outbox.Send(to, in message);
    }

    /// <summary>Keeps this core polling for the wait policy's budget (the next fork-join region finds it awake).</summary>
    public void KeepHot() => _hotUntil = CycleClock.Now() + (ulong)_waitPolicy.PollCycles;

    /// <summary>Nested dispatch: one poll of this dispatcher's channels and one flush of its backlog.</summary>
    public int PollOnce()
    {
        AssertOnCore();
        int handled = Waitset.Poll();
        _outbox.Flush();
        return handled;
    }

    /// <summary>
    /// One step of a nested wait (a fork-join join, a steal round): polls and flushes; if nothing moved, idles under
    /// the domain's <see cref="WaitPolicy"/> until a message is pending or a bounded sleep on the core's notifier (the
    /// modelled IPI halt) ends. Keep <paramref name="state"/> for the whole wait (start with <c>default</c>).
    /// </summary>
    public void WaitStep(ref WaitState state)
    {
        AssertOnCore();
        if (Waitset.Poll() > 0 | _outbox.Flush()) { state.Reset(); return; }
        var probe = new NestedWaitProbe(this);
        _waitPolicy.Idle(ref state, ref probe, Driver.Notifier);
    }

    readonly struct NestedWaitProbe(DomainDispatcher d) : IWorkProbe
    {
        public bool HasWork() => d._outbox.Pending > 0 || d.Waitset.AnyPending();
    }

    // ---- receiving ---------------------------------------------------------------------------------------------

    void OnPeerMessage(int from, in UrpcMessage m)
    {
        var previous = Scheduler.Enter(Scheduler);
        try
        {
            switch (m.Type)
            {
                case Wake.TypeId: Scheduler.OnWakeMessage(Wake.Decode(in m).Slot); break;
                case SpawnThread.TypeId:
                    Scheduler.Adopt(ObjectHandle.Take<UThread>(SpawnThread.Decode(in m).Thread));
                    break;
                case Stop.TypeId: _stopRequested = true; break;
                case Stopped.TypeId:
                    _stopAcksMissing--;
                    if (_stopAcked != null) _stopAcked[from] = true;
                    break;
                default:
                    var layer = Domain.LayerOf(m.Type)
                        ?? throw new InvalidOperationException($"{Name} got message type {m.Type} from dispatcher {from}, which neither the domain nor a layer attached to it owns");
                    layer.OnMessage(this, from, in m);
                    break;
            }
        }
        finally { Scheduler.Exit(previous); }
    }

    void OnHostMessage(in UrpcMessage m)
    {
        var previous = Scheduler.Enter(Scheduler);
        try
        {
            switch (m.Type)
            {
                case HostStartMain.TypeId:
                {
                    var request = ObjectHandle.Take<MainThreadRequest>(HostStartMain.Decode(in m).Request);
                    if (_stopRequested) { request.Fail(new ObjectDisposedException(Name, "the domain is being torn down")); break; }
                    _mains.Add(request);
                    request.Start(this);
                    break;
                }
                case HostStop.TypeId:
                    _stopReply = ObjectHandle.Take<TaskCompletionSource>(HostStop.Decode(in m).Completion);
                    _stopRequested = true;
                    _stopAcksMissing = 0;
                    _stopAcked = new bool[_peers.Length];
                    for (int p = 1; p < _peers.Length; p++) { _outbox.Send(p, new Stop()); _stopAcksMissing++; }
                    break;
                default:
                    throw new InvalidOperationException($"{Name} got message type {m.Type} on the domain's host port");
            }
        }
        finally { Scheduler.Exit(previous); }
    }

    internal void MainFinished(MainThreadRequest request) => _mains.Remove(request);

    /// <summary>
    /// Teardown: a message between the domain's dispatchers that will never be handled (dropped from a backlog, or
    /// left in the ring of a dispatcher that has left) gives up the object it names: a thread spawned too late is
    /// abandoned with the domain's other threads, and its handle no longer pins it.
    /// </summary>
    internal static void ReleaseUnhandled(in UrpcMessage m)
    {
        if (m.Type == SpawnThread.TypeId) ObjectHandle.Take<UThread>(SpawnThread.Decode(in m).Thread);
    }

    void FailMains(Exception e)
    {
        foreach (var r in _mains) r.Fail(e);
        _mains.Clear();
    }

    /// <summary>
    /// Teardown, from the run upcall (never inside a poll): a peer releases its channels, tells dispatcher 0 and
    /// leaves its core; dispatcher 0 leaves once every peer has, and completes the host's request. Threads still
    /// running are abandoned.
    /// </summary>
    bool TryLeave()
    {
        if (Index == 0 && _stopAcksMissing > 0 && !OnlyStoppedPeersMissing()) return false;
        var monitor = MonitorDispatcher.On(Driver);
        if (!RamRevoked(monitor)) return false;
        Waitset.RemovePeers(_peers);
        if (_hostPort != null) Waitset.Remove(_hostPort);
        _outbox.Discard(static (int _, in UrpcMessage m) => ReleaseUnhandled(in m));
        _stopRequested = false;
        monitor.RevokeEndpoints(this);
        if (Memory != null)
        {
            monitor.UnregisterCSpace(Id);
            Memory.Dispose();
            Memory = null;
        }
        if (Index != 0) _peers[0]!.Sender.Send(new Stopped());   // dispatcher 0 keeps polling until this arrives
        else FailMains(new ObjectDisposedException(Name, "the domain was torn down before its main thread finished"));
        Domain.DispatcherQuiet();   // its last ring access is behind it; before HasLeft, after which the host may free the rings
        Driver.Retire(this);
        Scheduler.ReturnIdleFrames();
        _hasLeft = true;
        _stopReply?.TrySetResult();
        return true;
    }

    /// <summary>
    /// Dispatcher 0 at teardown: true when every peer that has not said it left has stopped with its core (its CPU
    /// driver faulted: it will never say so, and it touches none of the domain's rings any more).
    /// </summary>
    bool OnlyStoppedPeersMissing()
    {
        for (int p = 1; p < _peers.Length; p++)
            if (!_stopAcked![p] && !Domain.StoppedOrNeverStarted(p)) return false;
        return true;
    }

    /// <summary>
    /// The domain's creation failed (<see cref="Domain.CreateAsync"/>): this dispatcher leaves its core at once, without
    /// the teardown's stop protocol (a peer on a faulted core would never acknowledge it) and without a revoke through
    /// the monitors (no user thread has run, so nothing of its RAM is on another core): it stops polling, gives its
    /// CSpace and RAM back to the core's RAM cache and is retired. One not started yet never starts, and never uses
    /// its reservation. Called on its core's thread, from a host call (never inside its own upcalls).
    /// </summary>
    internal void LeaveUnmade()
    {
        AssertOnCore();
        if (_hasLeft || _systemStopped) return;
        var monitor = MonitorDispatcher.On(Driver);
        Waitset.RemovePeers(_peers);
        if (_hostPort != null) Waitset.Remove(_hostPort);
        _outbox.Discard(static (int _, in UrpcMessage m) => ReleaseUnhandled(in m));
        monitor.RevokeEndpoints(this);
        if (Memory != null)
        {
            monitor.UnregisterCSpace(Id);
            Memory.Dispose();
            Memory = null;
        }
        Driver.Retire(this);
        Scheduler.ReturnIdleFrames();
        _hasLeft = true;
    }

    /// <summary>
    /// Teardown's first step: revokes the dispatcher's RAM through the monitors (a 2PC when another core holds a frame
    /// or a copy retyped from it, else locally), so that nothing of it outlives the dispatcher on another core before
    /// <see cref="DispatcherMemory.Dispose"/> gives it back to the RAM cache: such a capability would stay in the
    /// ownership table and make every later retype from the cache's RAM need an agreement. True once done; a revoke
    /// refused with <see cref="CapError.Locked"/> (a conflicting agreement, or a vote timeout) is started again.
    /// </summary>
    bool RamRevoked(MonitorDispatcher monitor)
    {
        if (Memory == null || monitor.Agreement.Capabilities is not { } ops) return true;
        if (_ramRevoke == null || _ramRevoke.Result == CapError.Locked)
        {
            _ramRevoke = new RamRevoke();
            var e = ops.Revoke(Memory.Space, CSpace.BootRam, _ramRevoke, AgreementService.Now);
            if (e != CapError.Ok) _ramRevoke.Result = e;
        }
        return _ramRevoke.Result is { } result && result != CapError.Locked;
    }

    /// <summary>The teardown's revoke of the dispatcher's RAM: its result once the monitors have finished it (null before).</summary>
    sealed class RamRevoke : ICapOperationCompletion
    {
        public CapError? Result;

        public void Completed(in CapOperationResult result) => Result = result.Error;
    }
}
