using System.Diagnostics;
using Multikernel.Urpc;

namespace Multikernel.Monitor.Agreement;

/// <summary>
/// The coordinator side of one-phase commit (apply, ack) and two-phase commit (prepare, vote, commit or abort, ack)
/// on one core, over a routing tree (<see cref="Routing"/>: unicast, broadcast, multicast, NUMA-aware multicast).
/// A state machine driven by four inputs: a reply (vote or ack) from a first-hop core, the passage of time
/// (<see cref="OnTimer"/>), a start, and another core's fault (<see cref="PeerFaulted"/>). It reads no clock and
/// never blocks.
/// <para>2PC: the coordinator prepares itself (if it participates), sends the prepare along the route, and decides
/// commit once every first hop (each speaking for its multicast group) voted yes, abort on the first no or when
/// <see cref="AgreementOptions.VoteTimeout"/> passes. It then applies the decision to its own replica, tells its
/// completion <see cref="IAgreementCompletion.Decided"/>, and sends the decision until every first hop has
/// acknowledged it, resending to the silent ones every <see cref="AgreementOptions.RetransmitInterval"/> (a lost
/// decision must not leave a participant prepared). 1PC: send the apply along the route, apply locally (while the
/// others do), collect acks the same way.</para>
/// <para>Invariants: (1) core-local. (2) A decision is made once per tag and never changes; a commit is decided only
/// after every participant voted yes, so no participant applies a 2PC update unless all could. (3) Votes and acks
/// are recorded per first-hop core (a set), so late, duplicated or retransmission-answering replies never
/// over-count. (4) <see cref="LowWatermark"/> is the lowest sequence still active: every agreement below it has been
/// acknowledged by every live participant.</para>
/// <para>Faults (fail-stop: a core whose CPU driver faulted never sends again, and its replica is gone), on
/// <see cref="PeerFaulted"/>: (5) An agreement started after this core was told of a fault never includes the faulted
/// core (its participants are the requested ones without it; they are the <see cref="AgreementOutcome.Lost"/> ones),
/// and once any core has faulted the broadcast route's first hop is one unicast per participant, since a dead reader
/// stops consuming the broadcast buffer. (6) A 2PC still voting when one of its participants faults aborts
/// (<see cref="AgreementAbortReason.ParticipantFaulted"/>, naming the core); one already decided (and every 1PC) stops
/// waiting for the faulted core's ack. (7) Re-route rule: when a first hop faults, the live members of its multicast
/// group become first hops of their own: <c>Hops</c> loses the faulted core and gains them, the decision (or apply,
/// or the abort) goes to each of them directly, and each acknowledges for itself (a member forwards to nobody).
/// Hence <c>Hops</c> never holds a core this coordinator knows has faulted, <c>AcksPending</c> and
/// <c>VotesPending</c> are subsets of <c>Hops</c>, and every live participant is a hop or in the group of a live hop,
/// so it gets the decision and the agreement completes once the live cores have acknowledged.</para>
/// </summary>
public sealed class CommitCoordinator
{
    enum Phase : byte { Voting, Deciding }

    sealed class Transaction
    {
        public AgreementTag Tag;
        public bool TwoPhase;
        public Phase Phase;
        public RoutingTree Route = null!;
        public CoreSet Participants;
        public AgreementUpdate Update;
        /// <summary>The cores this coordinator sends to and hears from directly: the route's first hops, with a faulted hop replaced by its group's live members (invariant 7).</summary>
        public CoreSet Hops;
        /// <summary>True once a faulted hop was replaced: messages go to each of <see cref="Hops"/> rather than along the route.</summary>
        public bool Rerouted;
        public int FaultedCore;
        public CoreSet Lost;
        public CoreSet VotesPending;
        public CoreSet AcksPending;
        public bool PrepareSent;
        public bool Commit;
        public AgreementAbortReason Reason;
        public byte Refusal;
        public long StartedAt, DecidedAt, Deadline;
        public int Rounds;
        public IAgreementCompletion Completion = null!;
    }

    readonly IAgreementTransport _transport;
    readonly AgreementRoutes _routes;
    readonly CommitParticipant _local;
    readonly AgreementOptions _options;
    readonly Dictionary<ulong, Transaction> _active = new();
    readonly Stack<Transaction> _free = new();
    readonly List<Transaction> _due = new();
    readonly List<Transaction> _hit = new(); // PeerFaulted's: the agreements a fault touches
    ulong _lastSequence;

    public int Core { get; }
    /// <summary>Agreements started here and not yet acknowledged by every participant.</summary>
    public int Active => _active.Count;
    public long Committed { get; private set; }
    public long Aborted { get; private set; }
    public long Retransmissions { get; private set; }

    internal CommitCoordinator(int core, IAgreementTransport transport, AgreementRoutes routes, CommitParticipant local, AgreementOptions options)
    {
        Core = core;
        _transport = transport;
        _routes = routes;
        _local = local;
        _options = options;
    }

    /// <summary>Lowest sequence among this coordinator's active agreements (the next one if none is active).</summary>
    public ulong LowWatermark
    {
        get
        {
            ulong low = _lastSequence + 1;
            if (_active.Count == 0) return low; // no enumerator: read on every visit of the monitor
            foreach (var seq in _active.Keys) if (seq < low) low = seq;
            return low;
        }
    }

    /// <summary>Earliest time at which <see cref="OnTimer"/> has something to do (long.MaxValue: nothing pending).</summary>
    public long NextDeadline
    {
        get
        {
            long d = long.MaxValue;
            if (_active.Count == 0) return d; // no enumerator: read on every visit of the monitor
            foreach (var t in _active.Values) if (t.Deadline < d) d = t.Deadline;
            return d;
        }
    }

    public AgreementTag StartOnePhase(RoutingProtocol protocol, CoreSet participants, in AgreementUpdate update, IAgreementCompletion completion, long now)
    {
        var t = Begin(twoPhase: false, protocol, participants, update, completion, now);
        t.Phase = Phase.Deciding;
        t.Commit = true;
        t.DecidedAt = now;
        t.AcksPending = t.Hops;
        t.Rounds = 1;
        t.Deadline = now + _options.RetransmitInterval;
        // Send before applying here, so that the other cores apply while this one does (a TLB shootdown's local
        // page-table change is off the remote cores' path); no reply is taken before this method returns.
        if (t.Hops.Count > 0) SendFirst(t, UrpcMessage.From(new AgreementMessages.Request(AgreementMessages.Apply, RequestHeader(t), t.Participants, update)));
        if (t.Participants.Contains(Core)) _local.ApplyLocal(t.Tag, update);
        t.Completion.Decided(Outcome(t, now));
        if (t.Hops.Count == 0) Complete(t, now);
        return t.Tag;
    }

    public AgreementTag StartTwoPhase(RoutingProtocol protocol, CoreSet participants, in AgreementUpdate update, IAgreementCompletion completion, long now)
    {
        var t = Begin(twoPhase: true, protocol, participants, update, completion, now);
        t.Phase = Phase.Voting;
        t.VotesPending = t.Hops;
        t.Deadline = now + _options.VoteTimeout;
        var tag = t.Tag;
        if (t.Participants.Contains(Core) && _local.PrepareLocal(tag, update) is var vote && vote != 0)
        {
            t.Refusal = vote;
            Decide(t, commit: false, AgreementAbortReason.VotedNo, now); // nobody else has heard of it
            return tag;
        }
        if (t.Hops.Count == 0) { Decide(t, commit: true, AgreementAbortReason.None, now); return tag; }
        t.PrepareSent = true;
        SendFirst(t, UrpcMessage.From(new AgreementMessages.Request(AgreementMessages.Prepare, RequestHeader(t), t.Participants, update)));
        return tag;
    }

    Transaction Begin(bool twoPhase, RoutingProtocol protocol, CoreSet participants, in AgreementUpdate update, IAgreementCompletion completion, long now)
    {
        ArgumentNullException.ThrowIfNull(completion);
        participants.ThrowIfBeyond(_routes.CoreCount, nameof(participants));
        if (_lastSequence >= AgreementTag.MaxSequence) throw new InvalidOperationException($"core #{Core} has used up its agreement sequence numbers");
        var t = _free.Count > 0 ? _free.Pop() : new Transaction();
        t.Lost = CoreSet.Empty;
        if (!_routes.Faulted.IsEmpty) // invariant 5: the cores known to have faulted are left out
        {
            var requested = participants;
            participants = requested.Except(_routes.Faulted);
            t.Lost = requested.Except(participants);
        }
        t.Tag = new AgreementTag(Core, ++_lastSequence);
        t.TwoPhase = twoPhase;
        t.Route = _routes.Get(protocol, Core, participants);
        t.Participants = participants;
        t.Rerouted = false;
        t.FaultedCore = -1;
        t.Update = update;
        t.Hops = t.Route.HopCores;
        t.VotesPending = CoreSet.Empty;
        t.AcksPending = CoreSet.Empty;
        t.PrepareSent = false;
        t.Commit = false;
        t.Reason = AgreementAbortReason.None;
        t.Refusal = 0;
        t.StartedAt = now;
        t.DecidedAt = 0;
        t.Rounds = 0;
        t.Completion = completion;
        _active.Add(t.Tag.Sequence, t);
        return t;
    }

    /// <summary>A vote or ack for an agreement this core coordinates, from core <paramref name="from"/>.</summary>
    internal void OnReply(int from, in UrpcMessage m, long now)
    {
        var r = AgreementMessages.Reply.Decode(in m);
        if (!_active.TryGetValue(r.Header.Tag.Sequence, out var t)) return; // finished: a late or duplicate reply
        if (r.Type == AgreementMessages.Vote)
        {
            if (t.Phase != Phase.Voting || !t.VotesPending.Contains(from)) return;
            if (!r.Yes)
            {
                if (r.Refusal == AgreementMessages.RefusalFaulted) { t.FaultedCore = r.Faulted; Decide(t, commit: false, AgreementAbortReason.ParticipantFaulted, now); return; }
                t.Refusal = r.Refusal;
                Decide(t, commit: false, AgreementAbortReason.VotedNo, now);
                return;
            }
            t.VotesPending = t.VotesPending.Without(from);
            if (t.VotesPending.Count == 0) Decide(t, commit: true, AgreementAbortReason.None, now);
            return;
        }
        if (t.Phase != Phase.Deciding || !t.AcksPending.Contains(from)) return;
        t.AcksPending = t.AcksPending.Without(from);
        if (t.AcksPending.Count == 0) Complete(t, now);
    }

    /// <summary>Aborts agreements whose votes are overdue and resends decisions (or applies) that are not fully acknowledged.</summary>
    public void OnTimer(long now)
    {
        _due.Clear();
        foreach (var t in _active.Values) if (t.Deadline <= now) _due.Add(t);
        foreach (var t in _due)
        {
            if (!_active.ContainsKey(t.Tag.Sequence) || _active[t.Tag.Sequence] != t) continue;
            if (t.Phase == Phase.Voting) { Decide(t, commit: false, AgreementAbortReason.Timeout, now); continue; }
            t.Rounds++;
            Retransmissions++;
            t.Deadline = now + _options.RetransmitInterval;
            SendEach(t.AcksPending, DecisionOf(t));
        }
        _due.Clear();
    }

    /// <summary>
    /// Core <paramref name="core"/>'s CPU driver faulted (fail-stop): every active agreement that includes it aborts
    /// if still voting, or stops waiting for its ack if decided, with the faulted hop's group re-routed
    /// (invariants 6 and 7); agreements started from now on leave it out (invariant 5). The caller has recorded the
    /// fault in the routes (<see cref="AgreementRoutes.MarkFaulted"/>) first.
    /// </summary>
    internal void PeerFaulted(int core, long now)
    {
        Debug.Assert(_routes.Faulted.Contains(core), $"core #{Core}: told of core #{core}'s fault before the routes were");
        if (_active.Count == 0) return;
        _hit.Clear();
        foreach (var t in _active.Values) if (t.Participants.Contains(core)) _hit.Add(t);
        foreach (var t in _hit)
        {
            // A completion told below may have started agreements, reusing a finished one's object: those leave the core out.
            if (!_active.TryGetValue(t.Tag.Sequence, out var still) || still != t || !t.Participants.Contains(core) || t.Lost.Contains(core)) continue;
            t.Lost = t.Lost.With(core);
            var added = Reroute(t, core);
            if (t.Phase == Phase.Voting)
            {
                t.FaultedCore = core;
                Decide(t, commit: false, AgreementAbortReason.ParticipantFaulted, now);
                continue;
            }
            if (!added.IsEmpty) SendEach(added, DecisionOf(t));
            AssertInvariants(t);
            if (t.AcksPending.IsEmpty) Complete(t, now);
        }
        _hit.Clear();
    }

    /// <summary>
    /// Re-route rule (invariant 7): a faulted hop's live group members become hops. Returns the members whose acks the
    /// coordinator now awaits directly because the faulted hop had not acknowledged for them (they need the decision).
    /// </summary>
    CoreSet Reroute(Transaction t, int core)
    {
        if (!t.Hops.Contains(core)) return CoreSet.Empty; // a member of a live hop's group: that hop stops waiting for it
        var group = CoreSet.Empty;
        foreach (int c in t.Route.ForwardOf(core)) group = group.With(c); // empty for a member already re-routed
        group = group.Except(_routes.Faulted);
        t.Hops = t.Hops.Without(core).Union(group);
        t.Rerouted = true;
        t.VotesPending = t.VotesPending.Without(core);
        if (!t.AcksPending.Contains(core)) return CoreSet.Empty; // it had acknowledged for its whole group
        t.AcksPending = t.AcksPending.Without(core).Union(group);
        return group;
    }

    /// <summary>The message a decided agreement resends: its decision (2PC) or its apply (1PC).</summary>
    UrpcMessage DecisionOf(Transaction t) => t.TwoPhase
        ? UrpcMessage.From(new AgreementMessages.Decision(t.Commit, Header(t), t.Participants, LowWatermark))
        : UrpcMessage.From(new AgreementMessages.Request(AgreementMessages.Apply, RequestHeader(t), t.Participants, t.Update));

    void SendEach(CoreSet to, in UrpcMessage m)
    {
        for (int c = 0; c < to.Bound; c++)
            if (to.Contains(c)) _transport.Send(c, in m);
    }

    void Decide(Transaction t, bool commit, AgreementAbortReason reason, long now)
    {
        t.Phase = Phase.Deciding;
        t.Commit = commit;
        t.Reason = reason;
        t.DecidedAt = now;
        if (commit) Committed++; else Aborted++;
        if (t.Participants.Contains(Core)) _local.DecideLocal(t.Tag, commit);
        // Only cores that may have seen the prepare need the decision.
        t.AcksPending = t.PrepareSent ? t.Hops : CoreSet.Empty;
        t.VotesPending = CoreSet.Empty;
        AssertInvariants(t);
        t.Rounds = 1;
        t.Deadline = now + _options.RetransmitInterval;
        var seq = t.Tag.Sequence;
        t.Completion.Decided(Outcome(t, now));
        if (!_active.TryGetValue(seq, out var still) || still != t) return;
        if (t.AcksPending.Count == 0) { Complete(t, now); return; }
        SendFirst(t, UrpcMessage.From(new AgreementMessages.Decision(commit, Header(t), t.Participants, LowWatermark)));
    }

    void Complete(Transaction t, long now)
    {
        _active.Remove(t.Tag.Sequence);
        if (t.Participants.Contains(Core)) _local.Forget(t.Tag);
        var outcome = Outcome(t, now);
        var completion = t.Completion;
        t.Completion = null!;
        t.Route = null!;
        _free.Push(t);
        completion.Completed(outcome);
    }

    void SendFirst(Transaction t, in UrpcMessage m)
    {
        if (t.Rerouted) { SendEach(t.Hops, in m); return; } // invariant 7: a faulted hop's group members hear directly
        if (t.Route.ViaBroadcastBuffer && _routes.Faulted.IsEmpty) { _transport.Broadcast(in m); return; } // invariant 5
        var hops = t.Route.Hops;
        for (int i = 0; i < hops.Count; i++) _transport.Send(hops[i].Core, in m);
    }

    [Conditional("DEBUG")]
    void AssertInvariants(Transaction t)
    {
        Debug.Assert(t.AcksPending.Except(t.Hops).IsEmpty, $"core #{Core}: {t.Tag} awaits acks {t.AcksPending} outside its hops {t.Hops}");
        Debug.Assert(t.VotesPending.Except(t.Hops).IsEmpty, $"core #{Core}: {t.Tag} awaits votes {t.VotesPending} outside its hops {t.Hops}");
        Debug.Assert(t.Hops.Except(t.Participants).IsEmpty, $"core #{Core}: {t.Tag} has hops {t.Hops} outside its participants {t.Participants}");
        Debug.Assert(t.Hops.Except(t.Lost).Equals(t.Hops), $"core #{Core}: {t.Tag} still sends to faulted cores {t.Lost} (hops {t.Hops})");
    }

    static AgreementHeader Header(Transaction t) => new(t.Tag, (byte)Math.Min(t.Rounds, 255), t.Route.Protocol);

    AgreementHeader RequestHeader(Transaction t) => AgreementMessages.Request.HeaderFor(t.Tag, t.Route.Protocol, LowWatermark);

    static AgreementOutcome Outcome(Transaction t, long now) =>
        new(t.Tag, t.TwoPhase, t.Commit, t.Reason, t.Refusal, t.StartedAt, t.DecidedAt, now, t.Rounds, t.FaultedCore, t.Lost);
}
