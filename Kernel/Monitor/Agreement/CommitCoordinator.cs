using Multikernel.Urpc;

namespace Multikernel.Monitor.Agreement;

/// <summary>
/// The coordinator side of one-phase commit (apply, ack) and two-phase commit (prepare, vote, commit or abort, ack)
/// on one core, over a routing tree (<see cref="Routing"/>: unicast, broadcast, multicast, NUMA-aware multicast).
/// A state machine driven by three inputs: a reply (vote or ack) from a first-hop core, the passage of time
/// (<see cref="OnTimer"/>), and a start. It reads no clock and never blocks.
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
/// acknowledged by every participant.</para>
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
        public CoreSet Hops;
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
        if (t.Hops.Count > 0) SendFirst(t, UrpcMessage.From(new AgreementMessages.Request(AgreementMessages.Apply, RequestHeader(t), participants, update)));
        if (participants.Contains(Core)) _local.ApplyLocal(t.Tag, update);
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
        if (participants.Contains(Core) && _local.PrepareLocal(tag, update) is var vote && vote != 0)
        {
            t.Refusal = vote;
            Decide(t, commit: false, AgreementAbortReason.VotedNo, now); // nobody else has heard of it
            return tag;
        }
        if (t.Hops.Count == 0) { Decide(t, commit: true, AgreementAbortReason.None, now); return tag; }
        t.PrepareSent = true;
        SendFirst(t, UrpcMessage.From(new AgreementMessages.Request(AgreementMessages.Prepare, RequestHeader(t), participants, update)));
        return tag;
    }

    Transaction Begin(bool twoPhase, RoutingProtocol protocol, CoreSet participants, in AgreementUpdate update, IAgreementCompletion completion, long now)
    {
        ArgumentNullException.ThrowIfNull(completion);
        if (participants.Bound > _routes.CoreCount)
            throw new ArgumentOutOfRangeException(nameof(participants), participants.ToString(), $"participants must be core indices 0..{_routes.CoreCount - 1}");
        if (_lastSequence >= AgreementTag.MaxSequence) throw new InvalidOperationException($"core #{Core} has used up its agreement sequence numbers");
        var t = _free.Count > 0 ? _free.Pop() : new Transaction();
        t.Tag = new AgreementTag(Core, ++_lastSequence);
        t.TwoPhase = twoPhase;
        t.Route = _routes.Get(protocol, Core, participants);
        t.Participants = participants;
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
            if (!r.Yes) { t.Refusal = r.Refusal; Decide(t, commit: false, AgreementAbortReason.VotedNo, now); return; }
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
            var m = t.TwoPhase
                ? UrpcMessage.From(new AgreementMessages.Decision(t.Commit, Header(t), t.Participants, LowWatermark))
                : UrpcMessage.From(new AgreementMessages.Request(AgreementMessages.Apply, RequestHeader(t), t.Participants, t.Update));
            for (int c = 0; c < t.AcksPending.Bound; c++)
                if (t.AcksPending.Contains(c)) _transport.Send(c, in m);
        }
        _due.Clear();
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
        if (t.Route.ViaBroadcastBuffer) { _transport.Broadcast(in m); return; }
        var hops = t.Route.Hops;
        for (int i = 0; i < hops.Count; i++) _transport.Send(hops[i].Core, in m);
    }

    static AgreementHeader Header(Transaction t) => new(t.Tag, (byte)Math.Min(t.Rounds, 255), t.Route.Protocol);

    AgreementHeader RequestHeader(Transaction t) => AgreementMessages.Request.HeaderFor(t.Tag, t.Route.Protocol, LowWatermark);

    static AgreementOutcome Outcome(Transaction t, long now) =>
        new(t.Tag, t.TwoPhase, t.Commit, t.Reason, t.Refusal, t.StartedAt, t.DecidedAt, now, t.Rounds);
}
