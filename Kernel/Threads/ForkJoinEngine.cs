using Multikernel.Domains;
using Multikernel.Hardware;
using Multikernel.Urpc;

namespace Multikernel.Threads;

/// <summary>
/// The fork-join machinery of one dispatcher: as master, the table of regions it has forked and not yet joined; as
/// participant, the regions it is running chunks of. The protocol, all by URPC between the domain's dispatchers:
/// the master sends each worker <c>Fork(job slot, seq, first chunk, end chunk)</c>, runs its own share, and counts
/// <c>Finished</c> replies; under the dynamic schedule a participant that has run out asks every other one
/// <c>StealRequest</c> and gets <c>StealReply(first, end)</c>, a range of chunk indices (possibly empty).
/// <para>Invariant: core-local, except that workers read the master's job table entry named by a fork message
/// (published before the send; the message's release/acquire orders it).</para>
/// </summary>
sealed class ForkJoinEngine
{
    readonly DomainDispatcher _self;
    volatile ForkJoinJob?[] _posted = new ForkJoinJob?[4];
    uint _nextSeq;
    Participation[] _stack = new Participation[4];
    int _depth;

    /// <summary>Regions this dispatcher forked as master.</summary>
    public long RegionsForked { get; private set; }
    /// <summary>Chunks run here (any master).</summary>
    public long ChunksRun { get; private set; }
    /// <summary>Ranges this dispatcher gave to thieves / received from victims.</summary>
    public long StealsGiven { get; private set; }
    public long StealsReceived { get; private set; }

    internal ForkJoinEngine(DomainDispatcher self) => _self = self;

    /// <summary>
    /// Master: publishes the job, forks it to the workers whose share is non-empty (all of them when dynamic: an
    /// empty share can still steal), then runs this dispatcher's own share. The join is the caller's.
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
            var (first, end) = job.Share(w);
            if (first == end && !job.Dynamic) continue;
            _self.Send(w, DomainMessage.Fork, (ulong)slot, seq, (ulong)first, (ulong)end);
            job.Pending++;
        }
        var own = job.Share(me);
        Participate(job, me, slot, seq, own.First, own.End);
    }

    /// <summary>Master, synchronous join: drives this dispatcher's waitset (nested dispatch) until every worker has finished.</summary>
    internal void JoinSync(ForkJoinJob job)
    {
        ulong idleSince = 0;
        while (job.Pending > 0) _self.WaitStep(ref idleSince);
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
                    job.RunChunkGuarded(c, me);
                    ChunksRun++;
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
        }
    }

    /// <summary>Asks every other participant for chunks at once; true if any gave some.</summary>
    bool StealRound(Participation p)
    {
        int me = _self.Index, k = p.Job.Workers;
        for (int i = 1; i < k; i++)
        {
            int v = me + i < k ? me + i : me + i - k;
            _self.Send(v, DomainMessage.StealRequest, (ulong)p.Master, (ulong)p.Slot, p.Seq);
            p.OutstandingSteals++;
        }
        ulong idleSince = 0;
        while (p.OutstandingSteals > 0) _self.WaitStep(ref idleSince);
        return p.GiftCount > 0;
    }

    Participation? Find(int master, int slot, uint seq)
    {
        for (int i = _depth - 1; i >= 0; i--)
            if (_stack[i].Is(master, slot, seq)) return _stack[i];
        return null;
    }

    internal void OnFork(int from, in UrpcMessage m)
    {
        int slot = (int)m[0];
        uint seq = (uint)m[1];
        var job = _self.Domain.Dispatcher(from).ForkJoin.PostedJob(slot, seq);
        Participate(job, from, slot, seq, (int)m[2], (int)m[3]);
        _self.Send(from, DomainMessage.Finished, (ulong)slot, seq);
        _self.KeepHot();
    }

    internal void OnFinished(in UrpcMessage m)
    {
        var job = _posted[(int)m[0]];
        if (job == null || job.Seq != (uint)m[1])
            throw new InvalidOperationException($"completion for job slot {m[0]} seq {m[1]}, which dispatcher {_self.Index} has not forked");
        if (--job.Pending == 0 && job.Waiter is { } waiter)
        {
            job.Waiter = null;
            _self.Scheduler.Wake(waiter);
        }
    }

    internal void OnStealRequest(int from, in UrpcMessage m)
    {
        int master = (int)m[0], slot = (int)m[1];
        uint seq = (uint)m[2];
        int first = 0, end = 0;
        if (Find(master, slot, seq) is { } p && p.Split(out first, out end)) StealsGiven++;
        _self.Send(from, DomainMessage.StealReply, (ulong)master, (ulong)slot, seq, (ulong)first, (ulong)end);
    }

    internal void OnStealReply(in UrpcMessage m)
    {
        var p = Find((int)m[0], (int)m[1], (uint)m[2])
            ?? throw new InvalidOperationException($"steal reply for a region dispatcher {_self.Index} is not running");
        int first = (int)m[3], end = (int)m[4];
        if (end > first) { p.AddGift(first, end); StealsReceived++; }
        p.OutstandingSteals--;
    }
}
