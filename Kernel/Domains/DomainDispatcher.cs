using System.Runtime.InteropServices;
using Multikernel.CpuDriver;
using Multikernel.Hardware;
using Multikernel.Threads;
using Multikernel.Urpc;

namespace Multikernel.Domains;

/// <summary>
/// A domain's dispatcher on one core: runs the domain's user threads on that core (its <see cref="Scheduler"/>) and
/// its part of fork-join regions (its <see cref="ForkJoinEngine"/>), and talks to the domain's other dispatchers
/// only by URPC, one binding per pair. Dispatcher 0 also owns the domain's host port.
/// <para>Invariant: every member is used on this core's thread only (message handlers and upcalls), except the
/// fork-join job table that workers read after a fork message, and <see cref="HasLeft"/>, which the host reads.</para>
/// </summary>
public sealed class DomainDispatcher : Dispatcher
{
    [ThreadStatic] static DomainDispatcher? t_current;

    readonly UrpcEndpoint?[] _peers;
    readonly UrpcOutbox _outbox;
    readonly UrpcChannel? _hostPort;
    readonly ulong _spinCycles;
    readonly List<MainThreadRequest> _mains = new();
    ulong _hotUntil;
    bool _stopRequested;
    int _stopAcksMissing;
    TaskCompletionSource? _stopReply;
    volatile bool _hasLeft;
    volatile bool _systemStopped;

    public Domain Domain { get; }
    /// <summary>This dispatcher's index within its domain (0 = the first, which runs the main thread).</summary>
    public int Index { get; }
    public Scheduler Scheduler { get; }
    internal ForkJoinEngine ForkJoin { get; }

    /// <summary>The domain dispatcher whose handler or upcall runs now on this core thread.</summary>
    internal static DomainDispatcher? Current => t_current;

    /// <summary>Fork-join statistics of this dispatcher: regions forked, chunks run, steal ranges given and received.</summary>
    public (long Regions, long Chunks, long StealsGiven, long StealsReceived) ForkJoinStats =>
        (ForkJoin.RegionsForked, ForkJoin.ChunksRun, ForkJoin.StealsGiven, ForkJoin.StealsReceived);

    /// <summary>Messages to peers that found the peer's ring full and waited in this dispatcher's backlog.</summary>
    public long MessagesBacklogged => _outbox.EverBacklogged;

    /// <summary>Set once this dispatcher has left its core and will touch no channel again.</summary>
    internal bool HasLeft => _hasLeft;
    /// <summary>Set when the whole system shut down under the domain (its core thread has ended).</summary>
    internal bool SystemStopped => _systemStopped;

    internal DomainDispatcher(Domain domain, int index, UrpcEndpoint?[] peers, UrpcChannel? hostPort, ulong spinCycles)
        : base($"domain {domain.Id} dispatcher {index}")
    {
        Domain = domain;
        Index = index;
        _peers = peers;
        _outbox = new UrpcOutbox(peers);
        _hostPort = hostPort;
        _spinCycles = spinCycles;
        Scheduler = new Scheduler(this);
        ForkJoin = new ForkJoinEngine(this);
    }

    protected internal override void OnStart()
    {
        for (int p = 0; p < _peers.Length; p++)
        {
            var ep = _peers[p];
            if (ep == null) continue;
            int from = p;
            Waitset.Add(ep.Incoming, (UrpcChannel c, in UrpcMessage m) => OnPeerMessage(from, in m));
        }
        if (_hostPort != null) Waitset.Add(_hostPort, (UrpcChannel c, in UrpcMessage m) => OnHostMessage(in m));
    }

    protected internal override bool HasLocalWork =>
        Scheduler.ReadyThreads > 0 || _outbox.Pending > 0 || _stopRequested || (_hotUntil != 0 && CycleClock.Now() < _hotUntil);

    protected internal override bool Run()
    {
        var previous = t_current;
        t_current = this;
        try
        {
            bool progress = _outbox.Flush();
            if (Scheduler.RunReady() > 0) progress = true;
            if (_stopRequested && TryLeave()) progress = true;
            return progress;
        }
        finally { t_current = previous; }
    }

    protected internal override void OnStop()
    {
        _systemStopped = true;
        FailMains(new OperationCanceledException("the multikernel shut down before the domain's main thread finished"));
    }

    // ---- sending -------------------------------------------------------------------------------------------

    internal void Send(int to, byte type, ulong w0 = 0, ulong w1 = 0, ulong w2 = 0, ulong w3 = 0, ulong w4 = 0) =>
        _outbox.Send(to, type, w0, w1, w2, w3, w4);

    internal void SendWake(int to, int slot) => _outbox.Send(to, DomainMessage.Wake, (ulong)slot);

    internal void SendSpawn(int to, UThread t) =>
        _outbox.Send(to, DomainMessage.SpawnThread, (ulong)GCHandle.ToIntPtr(GCHandle.Alloc(t)));

    /// <summary>Keeps this core polling for <see cref="DomainOptions.SpinAfterRegion"/> (the next fork finds it awake).</summary>
    internal void KeepHot() => _hotUntil = CycleClock.Now() + _spinCycles;

    /// <summary>Nested dispatch: one poll of this dispatcher's channels and one flush of its backlog.</summary>
    internal int PollOnce()
    {
        int handled = Waitset.Poll();
        _outbox.Flush();
        return handled;
    }

    /// <summary>
    /// One step of a nested wait (fork-join join, steal round): poll and flush; after
    /// <see cref="DomainOptions.SpinAfterRegion"/> without any message, block on the core's notifier (the modelled
    /// IPI halt) until a message arrives. <paramref name="idleSince"/> is the caller's idle clock (start at 0).
    /// </summary>
    internal void WaitStep(ref ulong idleSince)
    {
        if (Waitset.Poll() > 0 | _outbox.Flush()) { idleSince = 0; return; }
        ulong now = CycleClock.Now();
        if (idleSince == 0) { idleSince = now; return; }
        if (now - idleSince < _spinCycles || _outbox.Pending > 0) return;
        var n = Driver.Notifier;
        n.PrepareToSleep();
        if (Waitset.AnyPending()) n.CancelSleep();
        else n.Sleep();
    }

    // ---- receiving -----------------------------------------------------------------------------------------

    void OnPeerMessage(int from, in UrpcMessage m)
    {
        var previous = t_current;
        t_current = this;
        try
        {
            switch (m.Type)
            {
                case DomainMessage.Wake: Scheduler.OnWakeMessage((int)m[0]); break;
                case DomainMessage.SpawnThread:
                {
                    var h = GCHandle.FromIntPtr((nint)m[0]);
                    var t = (UThread)h.Target!;
                    h.Free();
                    Scheduler.Adopt(t);
                    break;
                }
                case DomainMessage.Fork: ForkJoin.OnFork(from, in m); break;
                case DomainMessage.StealRequest: ForkJoin.OnStealRequest(from, in m); break;
                case DomainMessage.StealReply: ForkJoin.OnStealReply(in m); break;
                case DomainMessage.Finished: ForkJoin.OnFinished(in m); break;
                case DomainMessage.Stop: _stopRequested = true; break;
                case DomainMessage.Stopped: _stopAcksMissing--; break;
                default: throw new InvalidOperationException($"{Name} got message type {m.Type} from dispatcher {from}");
            }
        }
        finally { t_current = previous; }
    }

    void OnHostMessage(in UrpcMessage m)
    {
        var previous = t_current;
        t_current = this;
        try
        {
            var h = GCHandle.FromIntPtr((nint)m[0]);
            var target = h.Target!;
            h.Free();
            switch (m.Type)
            {
                case DomainMessage.HostStartMain:
                {
                    var request = (MainThreadRequest)target;
                    if (_stopRequested) { request.Fail(new ObjectDisposedException(Name, "the domain is being torn down")); break; }
                    _mains.Add(request);
                    request.Start(this);
                    break;
                }
                case DomainMessage.HostStop:
                    _stopReply = (TaskCompletionSource)target;
                    _stopRequested = true;
                    _stopAcksMissing = 0;
                    for (int p = 1; p < _peers.Length; p++) { Send(p, DomainMessage.Stop); _stopAcksMissing++; }
                    break;
            }
        }
        finally { t_current = previous; }
    }

    internal void MainFinished(MainThreadRequest request) => _mains.Remove(request);

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
        if (Index == 0 && _stopAcksMissing > 0) return false;
        foreach (var ep in _peers) if (ep != null) Waitset.Remove(ep.Incoming);
        if (_hostPort != null) Waitset.Remove(_hostPort);
        _outbox.Discard();
        _stopRequested = false;
        if (Index != 0) _peers[0]!.Send(DomainMessage.Stopped);   // dispatcher 0 keeps polling until this arrives
        else FailMains(new ObjectDisposedException(Name, "the domain was torn down before its main thread finished"));
        Driver.Retire(this);
        _hasLeft = true;
        _stopReply?.TrySetResult();
        return true;
    }
}
