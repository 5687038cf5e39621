using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Multikernel.Tests;

/// <summary>
/// The images and requests the process-mode tests run in core processes (every core process runs this test assembly,
/// see <see cref="Program"/>). Results travel back as request results or in a <see cref="SharedBlock"/>.
/// </summary>
public static class TestCoreProgram
{
    public const string StreamSender = "test.stream-sender", StreamReceiver = "test.stream-receiver";
    public const string Where = "test.where", MapPages = "test.map-pages", Change = "test.change", Probe = "test.probe",
        MmuState = "test.mmu-state", Place = "test.place", Tables = "test.tables", Fail = "test.fail", Unanswered = "test.unanswered", WriteWord = "test.write-word", ReadWord = "test.read-word";
    /// <summary>The address space id the tests' domain memory is mapped under.</summary>
    public const ulong Space = 1;

    public static CoreProgram Instance { get; } = Build();

    static CoreProgram Build() => new CoreProgram(typeof(TestCoreProgram).Assembly)
        .AddImage(StreamSender, (m, a) => new StreamSenderDispatcher(m.Region!.OpenBinding(UrpcBindingName.Decode(a.W0, a.W1, a.W2)).Client, (long)a.W3))
        .AddImage(StreamReceiver, (m, a) => new StreamReceiverDispatcher(m.Region!.OpenBinding(UrpcBindingName.Decode(a.W0, a.W1, a.W2)).Server, (long)a.W3,
            m.Region.Block((long)a.W4, StreamReceiverDispatcher.ResultBytes)))
        // W0: the CPU the monitor's thread runs on, W1: pid, W2: CPUs this process may use, W3: threads of this process,
        // W4: the CPU driver's blocked-visit slice in ticks.
        .AddRequest(Where, (m, _, reply) =>
        {
            using var self = Process.GetCurrentProcess();
            reply.Complete(new CoreArgs((ulong)CoreAffinity.CurrentCpu(), (ulong)Environment.ProcessId, (ulong)CoreAffinity.AllowedCpus().Count, (ulong)self.Threads.Count,
                (ulong)m.Driver.BlockedVisitSlice.Ticks));
        })
        // W0: va, W1: frame offset in the region's memory object, W2: pages.
        .AddRequest(MapPages, (m, a, reply) =>
        {
            m.PageTable.Map(Space, a.W0, (long)a.W1, (int)a.W2, PageRights.ReadWrite);
            reply.Complete();
        })
        // On the initiator: W0 va, W1 pages, W2 op, W3 protocol, W4 participant set (word 0); a shootdown (the monitors' 1PC)
        // that answers when every participant has applied the change: committed (1), rounds.
        .AddRequest(Change, (m, a, reply) =>
        {
            var change = new MmuChange(Space, a.W0, (long)a.W1, (MmuOp)a.W2);
            m.Agreement.Coherence.Shootdown((RoutingProtocol)a.W3, new CoreSet(a.W4, 0, 0), in change, new ReplyOnCompletion(reply));
        })
        // On the initiator: W0 domain id, W1 1 to place it on this core, 0 to remove it, W2 protocol, W3 1 for a 2PC, 0 for a 1PC,
        // among every core; answers committed (1/0), rounds.
        .AddRequest(Place, (m, a, reply) =>
        {
            var a1 = m.Agreement;
            var update = a.W1 == 1 ? SystemTableUpdates.Place(a.W0, m.CoreIndex) : SystemTableUpdates.Remove(a.W0, m.CoreIndex);
            if (a.W3 == 1) a1.StartTwoPhase((RoutingProtocol)a.W2, a1.AllCores, update, new ReplyOnCompletion(reply));
            else a1.StartOnePhase((RoutingProtocol)a.W2, a1.AllCores, update, new ReplyOnCompletion(reply));
        })
        // W0/W1: a block for the text; writes this core's replica of the system tables there (length in word 0), answers agreements in flight, prepared, locks.
        .AddRequest(Tables, (m, a, reply) =>
        {
            var text = System.Text.Encoding.UTF8.GetBytes(m.Agreement.Replica.Describe());
            var block = m.Region!.Block((long)a.W0, (nuint)a.W1);
            int n = Math.Min(text.Length, (int)a.W1 - 8);
            text.AsSpan(0, n).CopyTo(block.ByteSpan(8, n));
            block.Write(0, n);
            var node = m.Agreement.Node;
            reply.Complete(new CoreArgs((ulong)node.Coordinator.Active, (ulong)node.Participant.PreparedCount, (ulong)m.Agreement.Replica.LocksHeld));
        })
        // W0: va; answers readable, writable (1/0).
        .AddRequest(Probe, (m, a, reply) =>
        {
            bool readable = m.PageTable.IsReadable(a.W0);
            reply.Complete(new CoreArgs(readable ? 1UL : 0, readable && m.PageTable.IsWritable(a.W0) ? 1UL : 0));
        })
        // Changes applied, checks passed, checks failed, TLB updates the monitor's replica applied.
        .AddRequest(MmuState, (m, _, reply) =>
        {
            var t = m.PageTable;
            reply.Complete(new CoreArgs((ulong)t.ChangesApplied, (ulong)t.ChecksPassed, (ulong)t.ChecksFailed, (ulong)m.Agreement.Replica.InvalidationsApplied));
        })
        .AddRequest(Fail, (_, _, _) => throw new InvalidOperationException("asked to fail"))
        // Never answers (a request still open when the system shuts down).
        .AddRequest(Unanswered, (_, _, _) => { })
        .AddRequest(WriteWord, (m, a, reply) =>
        {
            unsafe { *(ulong*)a.W0 = a.W1; }
            reply.Complete();
        })
        .AddRequest(ReadWord, (m, a, reply) =>
        {
            unsafe { reply.Complete(new CoreArgs(*(ulong*)a.W0)); }
        });

    sealed class ReplyOnCompletion(CoreReply reply) : IAgreementCompletion
    {
        public void Decided(in AgreementOutcome outcome) { }
        public void Completed(in AgreementOutcome outcome) => reply.Complete(new CoreArgs(outcome.Committed ? 1UL : 0, (ulong)outcome.Rounds));
    }

    /// <summary>One message of the stream: its sequence number and six words derived from it, so a torn or stale slot shows.</summary>
    public readonly record struct StreamWord(ulong Sequence) : IUrpcMessage<StreamWord>
    {
        public const byte TypeId = 40;
        public byte Type => TypeId;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Encode(ref UrpcPayload w)
        {
            w[0] = Sequence;
            for (int i = 1; i < UrpcMessage.PayloadWords; i++) w[i] = Derived(Sequence, i);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static StreamWord Decode(in UrpcMessage m) => new(m[0]);

        public static ulong Derived(ulong sequence, int word) => (sequence ^ 0x9E37_79B9_7F4A_7C15UL) * (ulong)(2 * word + 1);

        public static bool IsIntact(in UrpcMessage m)
        {
            if (m.Type != TypeId) return false;
            for (int i = 1; i < UrpcMessage.PayloadWords; i++)
                if (m[i] != Derived(m[0], i)) return false;
            return true;
        }
    }

    /// <summary>Sends sequence numbers 0..count-1 as fast as the ring takes them, from its run upcall.</summary>
    sealed class StreamSenderDispatcher(UrpcEndpoint end, long count) : Dispatcher("stream-sender")
    {
        long _next;

        protected internal override bool HasLocalWork => _next < count;

        protected internal override bool Run()
        {
            long start = _next;
            while (_next < count && end.Sender.TrySend(new StreamWord((ulong)_next))) _next++;
            return _next != start;
        }
    }

    /// <summary>
    /// Receives the stream and checks every message: intact, and exactly the next sequence number. When count have
    /// arrived it writes its result: word 1 received, 2 mismatches, 3 first bad index (-1: none), 4 the value there;
    /// word 0 last (1: done).
    /// </summary>
    sealed class StreamReceiverDispatcher : Dispatcher
    {
        public const nuint ResultBytes = 64;
        readonly UrpcEndpoint _end;
        readonly long _count;
        readonly SharedBlock _result;
        long _received, _mismatches, _firstBad = -1;
        ulong _badValue;

        public StreamReceiverDispatcher(UrpcEndpoint end, long count, SharedBlock result) : base("stream-receiver")
        {
            _end = end;
            _count = count;
            _result = result;
        }

        protected internal override void OnStart() => Waitset.Add(_end.Receiver, OnMessage);

        void OnMessage(in UrpcMessage m)
        {
            if (!StreamWord.IsIntact(in m) || m[0] != (ulong)_received)
            {
                _mismatches++;
                if (_firstBad < 0) { _firstBad = _received; _badValue = m[0]; }
            }
            if (++_received != _count) return;
            _result.Write(1, _received);
            _result.Write(2, _mismatches);
            _result.Write(3, _firstBad);
            _result.Write(4, (long)_badValue);
            _result.Write(0, 1);
        }
    }
}
