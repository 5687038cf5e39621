using System.Diagnostics;
using Multikernel.Domains;
using Multikernel.Threads;
using Multikernel.Urpc;
using static Multikernel.ParallelLoops.ForkJoinMessages;

namespace Multikernel.ParallelLoops;

/// <summary>
/// The fork-join machinery of one dispatcher: as master, the table of regions it has forked and not yet joined; as
/// participant, the regions it is running chunks of. The protocol, all by URPC between the domain's dispatchers:
/// the master sends each worker <c>Fork(job slot, seq, first chunk, end chunk)</c>, runs its own share, and counts
/// <c>Finished</c> replies; under the dynamic schedule a participant that has run out asks every other one
/// <c>StealRequest</c> and gets <c>StealReply(first, end)</c>, a range of chunk indices (possibly empty).
/// <para>Invariants: core-local, except that workers read the master's job table entry named by a fork message
/// (published before the send; the message's release/acquire orders it). The participation stack holds exactly the
/// regions this dispatcher is running, innermost last (checked in Debug builds).</para>
/// </summary>
sealed class ForkJoinEngine
{
    readonly DomainDispatcher _self;
    readonly ForkJoinLayer _layer;
    volatile ForkJoinJob?[] _posted = new ForkJoinJob?[4];
    uint _nextSeq;
    Participation[] _stack = new Participation[4];
    int _depth;

    /// <summary>Regions this dispatcher forked as master.</summary>
    public long RegionsForked { get; private set; }
    /// <summary>Chunks run here (any master); chunks a cancelled region skipped are not counted.</summary>
    public long ChunksRun { get; private set; }
    /// <summary>Ranges this dispatcher gave to thieves / received from victims.</summary>
    public long StealsGiven { get; private set; }
    public long StealsReceived { get; private set; }

    internal ForkJoinEngine(DomainDispatcher self, ForkJoinLayer layer)
    {
        _self = self;
        _layer = layer;
    }

    /// <summary>The dispatcher this engine belongs to.</summary>
    internal DomainDispatcher Dispatcher => _self;

    internal ForkJoinStatistics Statistics => new(RegionsForked, ChunksRun, StealsGiven, StealsReceived);

    /// <summary>
    /// Master: publishes the job, forks it to the workers whose share holds iterations (all of them when dynamic: an
    /// empty share can still steal), then runs this dispatcher's own share, if it holds iterations (a static block may
    /// be empty: then the master runs, and counts, no chunk). The join is the caller's.
    /// </summary>
    internal void Fork(ForkJoinJob job)
    {
        int me = _self.Index, k = job.Workers;
        uint seq = ++_nextSeq;
        int slot = Post(job);
        job.Slot = slot;
        job.Seq = seq;
        job.Pending = 0;
        RegionsForked++;
        for (int i = 1; i < k; i++)
        {
            int w = me + i < k ? me + i : me + i - k;
            if (job.HasNothingFor(w)) continue;
            var (first, end) = job.Share(w);
            _self.Send(w, new ForkJoinMessages.Fork(slot, seq, first, end));
            job.Pending++;
        }
        if (job.HasNothingFor(me)) return;
        var own = job.Share(me);
        Participate(job, me, slot, seq, own.First, own.End);
    }

    /// <summary>
    /// Master, synchronous join: drives this dispatcher's waitset (nested dispatch) until every worker has finished.
    /// Once the domain is being torn down (or a core of it has stopped) a worker may have left its core and never finish: the join stops waiting
    /// and cancels the region (the job's ThrowIfFaulted throws); the job stays posted, as a worker may still run it.
    /// </summary>
    internal void JoinSync(ForkJoinJob job)
    {
        var wait = new WaitState();
        while (job.Pending > 0)
        {
            if (_self.StopRequested)
            {
                job.Cancel(TornDown());
                return;
            }
            _self.WaitStep(ref wait);
        }
        Unpost(job.Slot);
        _self.KeepHot();
    }

    /// <summary>Master, after an asynchronous join completed.</summary>
    internal void Unpost(int slot) => _posted[slot] = null;

    int Post(ForkJoinJob job)
    {
        var table = _posted;
        for (int i = 0; i < table.Length; i++)
            if (table[i] == null) { table[i] = job; return i; }
        var bigger = new ForkJoinJob?[table.Length * 2];
        Array.Copy(table, bigger, table.Length);
        int slot = table.Length;
        bigger[slot] = job;
        _posted = bigger;
        return slot;
    }

    /// <summary>Read by a worker on another core after it received this master's fork message for (slot, seq).</summary>
    ForkJoinJob PostedJob(int slot, uint seq)
    {
        var table = _posted;
        var job = (uint)slot < (uint)table.Length ? table[slot] : null;
        if (job == null || job.Seq != seq)
            throw new InvalidOperationException($"fork for job slot {slot} seq {seq} of dispatcher {_self.Index}, which has no such job posted");
        return job;
    }

    /// <summary>Runs this dispatcher's share of a region, then (dynamic) steals until no one has chunks to spare.</summary>
    void Participate(ForkJoinJob job, int master, int slot, uint seq, int first, int end)
    {
        if (_depth == _stack.Length) Array.Resize(ref _stack, _depth * 2);
        var p = _stack[_depth] ??= new Participation();
        p.Reset(job, master, slot, seq, first, end);
        _depth++;
        int me = _self.Index;
        bool dynamic = job.Dynamic;
        try
        {
            while (true)
            {
                while (p.Next < p.End)
                {
                    int c = p.Next++;
                    if (job.RunChunkGuarded(c, me)) ChunksRun++;
                    if (dynamic) _self.PollOnce();   // answers steal requests between chunks
                }
                if (p.TakeGift()) continue;
                if (!dynamic || job.Workers == 1 || !StealRound(p)) break;
            }
        }
        finally
        {
            p.Clear();
            _depth--;
            Debug.Assert(_depth >= 0 && (_depth == 0 || _stack[_depth - 1].Job != null), "fork-join participation stack out of order");
        }
    }

    /// <summary>
    /// Asks every other participant for chunks at once; true if any gave some. Once the domain is being torn down (or a
    /// core of it has stopped) a victim may have left its core and never answer: no round starts, and a round under way stops waiting and
    /// cancels the region (the chunks a late reply gives would never run), so the master's join throws.
    /// </summary>
    bool StealRound(Participation p)
    {
        if (_self.StopRequested) return false;
        int me = _self.Index, k = p.Job.Workers;
        for (int i = 1; i < k; i++)
        {
            int v = me + i < k ? me + i : me + i - k;
            _self.Send(v, new StealRequest(p.Master, p.Slot, p.Seq));
            p.OutstandingSteals++;
        }
        var wait = new WaitState();
        while (p.OutstandingSteals > 0)
        {
            if (_self.StopRequested)
            {
                p.Job.Cancel(TornDown());
                return false;
            }
            _self.WaitStep(ref wait);
        }
        return p.GiftCount > 0;
    }

    ObjectDisposedException TornDown() =>
        new(_self.Name, "the domain is being torn down, or a core of it has stopped: a fork-join region running then does not run to the end");

    Participation? Find(int master, int slot, uint seq)
    {
        for (int i = _depth - 1; i >= 0; i--)
            if (_stack[i].Is(master, slot, seq)) return _stack[i];
        return null;
    }

    /// <summary>A message of the fork-join protocol from dispatcher <paramref name="from"/>.</summary>
    internal void OnMessage(int from, in UrpcMessage m)
    {
        switch (m.Type)
        {
            case ForkJoinMessages.Fork.TypeId: OnFork(from, ForkJoinMessages.Fork.Decode(in m)); break;
            case StealRequest.TypeId: OnStealRequest(from, StealRequest.Decode(in m)); break;
            case StealReply.TypeId: OnStealReply(StealReply.Decode(in m)); break;
            case Finished.TypeId: OnFinished(Finished.Decode(in m)); break;
            default: throw new InvalidOperationException($"{_self.Name}: message type {m.Type} from dispatcher {from} is not a fork-join message");
        }
    }

    void OnFork(int from, in ForkJoinMessages.Fork f)
    {
        var master = _layer.PeekEngine(from)
            ?? throw new InvalidOperationException($"fork from dispatcher {from}, which has no fork-join engine");
        var job = master.PostedJob(f.Slot, f.Seq);
        Participate(job, from, f.Slot, f.Seq, f.First, f.End);
        _self.Send(from, new Finished(f.Slot, f.Seq));
        _self.KeepHot();
    }

    void OnFinished(in Finished f)
    {
        var job = _posted[f.Slot];
        if (job == null || job.Seq != f.Seq)
            throw new InvalidOperationException($"completion for job slot {f.Slot} seq {f.Seq}, which dispatcher {_self.Index} has not forked");
        if (--job.Pending == 0 && job.Waiter is { } waiter)
        {
            job.Waiter = null;
            _self.Scheduler.Wake(waiter);
        }
    }

    void OnStealRequest(int from, in StealRequest r)
    {
        int first = 0, end = 0;
        if (Find(r.Master, r.Slot, r.Seq) is { } p && p.Split(out first, out end)) StealsGiven++;
        _self.Send(from, new StealReply(r.Master, r.Slot, r.Seq, first, end));
    }

    void OnStealReply(in StealReply r)
    {
        var p = Find(r.Master, r.Slot, r.Seq);
        if (p == null)
        {
            if (_self.StopRequested) return;   // a reply to a steal round that stopped waiting at teardown (its region is cancelled)
            throw new InvalidOperationException($"steal reply for a region dispatcher {_self.Index} is not running");
        }
        if (r.End > r.First) { p.AddGift(r.First, r.End); StealsReceived++; }
        p.OutstandingSteals--;
        Debug.Assert(p.OutstandingSteals >= 0, "more steal replies than steal requests");
    }
}
