using System.Diagnostics;
using Multikernel.Urpc;

namespace Multikernel.Monitor.Agreement;

/// <summary>
/// The participant side of 1PC and 2PC on one core, including the multicast aggregator role: a core that receives a
/// request forwards it to the rest of its group (from the route) and answers for the whole group once every member
/// has answered.
/// <para>Invariants: (1) core-local: used only on its core's thread. (2) Per tag, the resource sees at most one
/// Prepare, and Commit or Abort only after a Prepare that voted yes; Apply at most once. (3) An abort that arrives
/// before its prepare leaves a tombstone, so the late prepare is ignored and never locks anything ("a message
/// delayed past the abort is ignored"). (4) Acks and votes are idempotent: an aggregator tracks which members have
/// answered (a set, not a count), so a retransmitted decision or a duplicate answer never over-counts. (5) State
/// for a tag below the coordinator's low watermark (carried by decisions, and as a lag by requests) is forgotten, and any message for such a
/// tag is ignored, except that a retransmitted apply or decision is acknowledged again.</para>
/// <para>Faults (fail-stop, <see cref="PeerFaulted"/>): (6) No message goes to a core this core knows has faulted;
/// an aggregator's group holds only members not known to have faulted, so it never waits for a dead one. (7) A member
/// that faults before its vote reached the aggregator makes the group vote no
/// (<see cref="AgreementMessages.RefusalFaulted"/>, naming it), so the coordinator aborts; a member that faults while
/// the decision (or apply) is being acknowledged is not waited for (its replica is gone). (8) A prepare whose
/// coordinator has faulted is ignored: that agreement cannot have committed (it lacks this core's vote). A core that
/// is already prepared when its coordinator faults stays prepared, holding its locks, until a decision the coordinator
/// sent before it faulted arrives, which may never happen: classic 2PC blocks here, and this code has no termination
/// protocol. 1PC needs none: a core that applied is done.</para>
/// </summary>
public sealed class CommitParticipant
{
    enum State : byte { Prepared, VotedNo, Committed, Aborted, Applied }

    struct Entry
    {
        public State State;
        public AgreementUpdate Update;
        // Aggregator role (empty sets when this core forwards to nobody).
        public CoreSet VotesPending;
        public int VoteReplyTo;
        public bool VoteSent;
        public byte LocalVote;
        public CoreSet AcksPending;
        public int AckReplyTo;
        public bool AckSent;
        public CoreSet Group;
    }

    readonly IAgreementTransport _transport;
    readonly IAgreementResource _resource;
    readonly AgreementRoutes _routes;
    readonly Dictionary<AgreementTag, Entry> _entries = new();
    readonly ulong[] _watermark; // by coordinator: tags below it are finished everywhere
    readonly List<AgreementTag> _drop = new(); // reused by Advance: forgetting allocates nothing in the steady state
    readonly List<AgreementTag> _hit = new(); // PeerFaulted's: the entries whose group holds the faulted core

    public int Core { get; }
    /// <summary>Prepares the resource saw (for tests: a late prepare after its abort never gets here).</summary>
    public long Prepares { get; private set; }
    /// <summary>Prepares ignored because their abort (or watermark) had already arrived.</summary>
    public long LatePreparesIgnored { get; private set; }
    /// <summary>Tags with state on this core (prepared, decided or tombstoned, not yet forgotten).</summary>
    public int Remembered => _entries.Count;
    /// <summary>Prepared updates not yet committed or aborted (locks held in the resource).</summary>
    public int PreparedCount
    {
        get
        {
            int n = 0;
            foreach (var e in _entries.Values) if (e.State == State.Prepared) n++;
            return n;
        }
    }

    internal CommitParticipant(int core, IAgreementTransport transport, IAgreementResource resource, AgreementRoutes routes)
    {
        Core = core;
        _transport = transport;
        _resource = resource;
        _routes = routes;
        _watermark = new ulong[routes.CoreCount];
    }

    // ------------------------------------------------------------ the coordinator's own participation (no messages)

    internal byte PrepareLocal(AgreementTag tag, in AgreementUpdate update)
    {
        byte vote = _resource.Prepare(tag, update);
        Prepares++;
        _entries[tag] = new Entry { State = vote == 0 ? State.Prepared : State.VotedNo, Update = update };
        return vote;
    }

    internal void DecideLocal(AgreementTag tag, bool commit)
    {
        ref var e = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_entries, tag, out bool exists);
        if (!exists) { e.State = State.Aborted; return; }
        Finish(ref e, tag, commit);
    }

    internal void ApplyLocal(AgreementTag tag, in AgreementUpdate update)
    {
        _resource.Apply(tag, update);
        _entries[tag] = new Entry { State = State.Applied, Update = update };
    }

    internal void Forget(AgreementTag tag) => _entries.Remove(tag);

    // ------------------------------------------------------------ messages

    internal void OnRequest(int from, in UrpcMessage m)
    {
        var r = AgreementMessages.Request.Decode(in m);
        var tag = r.Header.Tag;
        var route = _routes.Get(r.Header.Protocol, tag.Coordinator, r.Participants);
        var forward = route.ForwardOf(Core);
        if (r.WatermarkLag != AgreementMessages.Request.LagUnknown) Advance(tag.Coordinator, tag.Sequence - r.WatermarkLag);
        if (IsForgotten(tag))
        {
            if (r.Type == AgreementMessages.Apply) Reply(AgreementMessages.Ack, from, r.Header, 0, 1 + forward.Length);
            else LatePreparesIgnored++;
            return;
        }
        ref var e = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_entries, tag, out bool exists);
        var faulted = _routes.Faulted;
        if (r.Type == AgreementMessages.Prepare)
        {
            if (exists) { LatePreparesIgnored++; return; } // tombstone of an abort that overtook it, or a duplicate
            if (!faulted.IsEmpty && faulted.Contains(tag.Coordinator)) // invariant 8
            {
                _entries.Remove(tag);
                LatePreparesIgnored++;
                return;
            }
            var group = Set(forward);
            int lost = -1;
            if (!faulted.IsEmpty) // invariants 6 and 7
            {
                var live = group.Except(faulted);
                if (!live.Equals(group)) lost = group.Except(live).ToArray()[0];
                group = live;
            }
            for (int i = 0; i < forward.Length; i++)
                if (group.Contains(forward[i])) _transport.Send(forward[i], in m);
            byte vote = _resource.Prepare(tag, r.Update);
            Debug.Assert(vote != AgreementMessages.RefusalFaulted, $"core #{Core}: the resource refused {tag} with the protocol's own code {vote}");
            Prepares++;
            e.State = vote == 0 ? State.Prepared : State.VotedNo;
            e.Update = r.Update;
            e.LocalVote = vote;
            e.Group = group;
            e.VotesPending = e.Group;
            e.VoteReplyTo = from;
            if (vote != 0 || group.IsEmpty || lost >= 0)
            {
                e.VoteSent = true;
                Reply(AgreementMessages.Vote, from, r.Header, vote != 0 ? vote : lost >= 0 ? AgreementMessages.RefusalFaulted : (byte)0, 1 + group.Count, vote != 0 ? -1 : lost);
            }
            return;
        }
        // Apply (1PC): idempotent; forward to the members that have not acknowledged yet. The first time, forward
        // before applying, so that the group's members apply while this core does; this core's ack for the group
        // still follows its own apply and every member's ack.
        e.AckReplyTo = from;
        if (!exists)
        {
            e.State = State.Applied;
            e.Update = r.Update;
            e.Group = faulted.IsEmpty ? Set(forward) : Set(forward).Except(faulted); // invariant 6
            e.AcksPending = e.Group;
            for (int i = 0; i < forward.Length; i++)
                if (e.Group.Contains(forward[i])) _transport.Send(forward[i], in m);
            _resource.Apply(tag, r.Update);
            if (e.AcksPending.Count > 0) return; // the group's acks will complete it (OnReply)
        }
        ForwardOrAck(ref e, r.Header, in m);
    }

    internal void OnDecision(int from, in UrpcMessage m)
    {
        var d = AgreementMessages.Decision.Decode(in m);
        var tag = d.Header.Tag;
        var route = _routes.Get(d.Header.Protocol, tag.Coordinator, d.Participants);
        var forward = route.ForwardOf(Core);
        Advance(tag.Coordinator, d.LowWatermark);
        if (IsForgotten(tag)) { Reply(AgreementMessages.Ack, from, d.Header, 0, 1 + forward.Length); return; }
        ref var e = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_entries, tag, out bool exists);
        if (!exists)
        {
            // The prepare has not arrived (delayed, or lost): only an abort can overtake it, and it leaves a tombstone.
            if (d.Commits) throw new InvalidOperationException($"core #{Core}: commit of {tag} before its prepare (a commit needs every participant's yes vote)");
            e.State = State.Aborted;
            e.Group = Set(forward).Except(_routes.Faulted); // invariant 6
            e.AcksPending = e.Group;
        }
        else if (e.State is State.Prepared or State.VotedNo)
        {
            Finish(ref e, tag, d.Commits);
            e.AcksPending = e.Group;
        }
        else if (e.State == State.Committed != d.Commits && e.State != State.Applied)
            throw new InvalidOperationException($"core #{Core}: {tag} decided both ways");
        e.AckReplyTo = from;
        ForwardOrAck(ref e, d.Header, in m);
    }

    /// <summary>A vote or ack from a member of this core's group (this core forwarded the request to it).</summary>
    internal void OnReply(int from, in UrpcMessage m)
    {
        var r = AgreementMessages.Reply.Decode(in m);
        var tag = r.Header.Tag;
        if (!_entries.ContainsKey(tag)) return; // forgotten, or never forwarded: nothing to aggregate
        ref var e = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrNullRef(_entries, tag);
        if (r.Type == AgreementMessages.Vote)
        {
            if (e.VoteSent || !e.VotesPending.Contains(from)) return;
            e.VotesPending = e.VotesPending.Without(from);
            if (!r.Yes)
            {
                e.VoteSent = true;
                Reply(AgreementMessages.Vote, e.VoteReplyTo, r.Header, r.Refusal, 1 + e.Group.Count);
            }
            else if (e.VotesPending.Count == 0)
            {
                e.VoteSent = true;
                Reply(AgreementMessages.Vote, e.VoteReplyTo, r.Header, e.LocalVote, 1 + e.Group.Count);
            }
            return;
        }
        if (e.AckSent || !e.AcksPending.Contains(from)) return;
        e.AcksPending = e.AcksPending.Without(from);
        if (e.AcksPending.Count == 0)
        {
            e.AckSent = true;
            Reply(AgreementMessages.Ack, e.AckReplyTo, r.Header, 0, 1 + e.Group.Count);
        }
    }

    /// <summary>Acks to whoever sent the apply or decision if the group has answered; else (again) forwards <paramref name="m"/> to the members still missing.</summary>
    void ForwardOrAck(ref Entry e, AgreementHeader header, in UrpcMessage m)
    {
        AssertInvariants(in e, header.Tag);
        if (e.AcksPending.Count == 0)
        {
            e.AckSent = true;
            Reply(AgreementMessages.Ack, e.AckReplyTo, header, 0, 1 + e.Group.Count);
            return;
        }
        e.AckSent = false; // answer (again) once the missing members have
        for (int c = 0; c < e.AcksPending.Bound; c++)
            if (e.AcksPending.Contains(c)) _transport.Send(c, in m);
    }

    void Finish(ref Entry e, AgreementTag tag, bool commit)
    {
        if (e.State == State.Prepared)
        {
            if (commit) _resource.Commit(tag, e.Update);
            else _resource.Abort(tag, e.Update);
            e.State = commit ? State.Committed : State.Aborted;
        }
        else if (e.State == State.VotedNo)
        {
            if (commit) throw new InvalidOperationException($"core #{Core}: {tag} committed although this core voted no");
            e.State = State.Aborted;
        }
    }

    void Reply(byte type, int to, AgreementHeader header, byte refusal, int cores, int faulted = -1)
    {
        var dead = _routes.Faulted;
        if (dead.IsEmpty || !dead.Contains(to)) // invariant 6: an answer to a faulted coordinator or aggregator is lost anyway
            _transport.Send(to, UrpcMessage.From(new AgreementMessages.Reply(type, header, refusal, cores, faulted)));
        if (type == AgreementMessages.Ack) _resource.Answered(header.Tag);
    }

    /// <summary>
    /// Core <paramref name="core"/>'s CPU driver faulted (recorded in the routes first): every group this core
    /// aggregates for stops waiting for it, voting no for the group if its vote was missing (invariant 7) and
    /// acknowledging for the group if it was the last ack missing. Agreements it coordinated are left as they are
    /// (invariant 8: a prepared one stays blocked).
    /// </summary>
    internal void PeerFaulted(int core)
    {
        Debug.Assert(_routes.Faulted.Contains(core), $"core #{Core}: told of core #{core}'s fault before the routes were");
        foreach (var (tag, e) in _entries) if (e.Group.Contains(core)) _hit.Add(tag);
        foreach (var tag in _hit)
        {
            ref var e = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrNullRef(_entries, tag);
            // Replies carry the tag the coordinator and aggregators match on; the attempt and protocol are not read from a reply.
            var header = new AgreementHeader(tag, 0, RoutingProtocol.Unicast);
            e.Group = e.Group.Without(core);
            if (!e.VoteSent && e.VotesPending.Contains(core))
            {
                e.VoteSent = true;
                Reply(AgreementMessages.Vote, e.VoteReplyTo, header, AgreementMessages.RefusalFaulted, 1 + e.Group.Count, core);
            }
            e.VotesPending = e.VotesPending.Without(core);
            if (e.AcksPending.Contains(core))
            {
                // A decision or apply arrived (only they fill AcksPending) and this core's ack waits for the group.
                e.AcksPending = e.AcksPending.Without(core);
                if (e.AcksPending.IsEmpty && !e.AckSent)
                {
                    e.AckSent = true;
                    Reply(AgreementMessages.Ack, e.AckReplyTo, header, 0, 1 + e.Group.Count);
                }
            }
            AssertInvariants(in e, tag);
        }
        _hit.Clear();
    }

    [Conditional("DEBUG")]
    void AssertInvariants(in Entry e, AgreementTag tag)
    {
        Debug.Assert(e.VotesPending.Except(e.Group).IsEmpty && e.AcksPending.Except(e.Group).IsEmpty,
            $"core #{Core}: {tag} awaits votes {e.VotesPending} or acks {e.AcksPending} outside its group {e.Group}");
        Debug.Assert(e.Group.Except(_routes.Faulted).Equals(e.Group), $"core #{Core}: {tag}'s group {e.Group} holds faulted cores {_routes.Faulted}");
        Debug.Assert(!e.Group.Contains(Core), $"core #{Core}: {tag}'s group holds this core");
    }

    bool IsForgotten(AgreementTag tag) => tag.Sequence < _watermark[tag.Coordinator];

    void Advance(int coordinator, ulong watermark)
    {
        if (watermark <= _watermark[coordinator]) return;
        _watermark[coordinator] = watermark;
        foreach (var (tag, e) in _entries)
            if (tag.Coordinator == coordinator && tag.Sequence < watermark && e.State != State.Prepared)
                _drop.Add(tag);
        foreach (var t in _drop) _entries.Remove(t);
        _drop.Clear();
    }

    static CoreSet Set(ReadOnlySpan<int> cores)
    {
        var s = CoreSet.Empty;
        foreach (int c in cores) s = s.With(c);
        return s;
    }
}
