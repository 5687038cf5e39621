using System.Text;
using Multikernel.CoreProcesses;

namespace Fig3.TlbShootdown;

/// <summary>
/// What the fig3 program does in its core processes (process mode, real page tables): map the domain's two pages,
/// run the measuring loop on the initiator, report each core's counts and replica. Every core process runs this
/// program (see Program.cs), so each knows these requests by name.
/// </summary>
public static class Fig3CoreProgram
{
    public const string MapRequest = "fig3.map", LoopRequest = "fig3.loop", StateRequest = "fig3.state";

    /// <summary>The domain's address space id and its two pages, mapped at the same address in every core process.</summary>
    public const ulong Space = 1, ShootVa = 0x3f00_0000_0000UL, UnmapVa = ShootVa + 4096;
    public const int Pages = 2;
    /// <summary>What the first core writes at the start of each page and every other core must read there (one frame, many page tables).</summary>
    public const ulong Marker = 0x5EED_F00D_CAFE_0003;
    /// <summary>Bytes of each text the state request writes (the first failed check, the replica of the system tables).</summary>
    public const int StateTextBytes = 2048;

    public static CoreProgram Instance { get; } = new CoreProgram(typeof(Fig3CoreProgram).Assembly)
        // W0: frames' offset in the memory object, W1: 1 on the first core (writes the marker), 0 elsewhere (checks it).
        .AddRequest(MapRequest, static (m, a, reply) =>
        {
            m.PageTable.Map(Space, ShootVa, (long)a.W0, Pages, PageRights.ReadWrite);
            for (int p = 0; p < Pages; p++)
                unsafe
                {
                    ulong* word = (ulong*)(ShootVa + (ulong)p * 4096);
                    if (a.W1 == 1) *word = Marker;
                    else if (*word != Marker) throw new InvalidOperationException($"core #{m.CoreIndex} reads 0x{*word:x} at 0x{(ulong)word:x}, not the marker the first core wrote into the shared frame");
                }
            reply.Complete();
        })
        // On the initiator. W0: result block (HardwareShootdownLoop.Layout; the host wrote the series into it), W1: series,
        // W2: iterations (bits 31..0) and repetitions (63..32), W3: warm-up operations, W4: cores.
        .AddRequest(LoopRequest, static (m, a, reply) =>
        {
            int n = (int)a.W1;
            var size = new SweepSize((int)(uint)a.W2, (int)(a.W2 >> 32), (int)a.W3);
            var block = m.Region!.Block((long)a.W0, (nuint)(8 * HardwareShootdownLoop.Layout.Words(n, size.Repetitions)));
            var series = new ShootdownSeries[n];
            for (int i = 0; i < n; i++) series[i] = DecodeSeries(block.Read(HardwareShootdownLoop.Layout.SeriesAt + i));
            new HardwareShootdownLoop(m, series, (int)a.W4, size, block, reply).Begin();
        })
        // W0: a block of 2 x StateTextBytes: the first failed check's text, then this core's replica of the system tables.
        // Answers TLB updates applied by the replica, page-table changes applied, checks passed, checks failed, and
        // agreements in flight (bits 15..0), prepared (31..16) and locks held (47..32).
        .AddRequest(StateRequest, static (m, a, reply) =>
        {
            var t = m.PageTable;
            var agreement = m.Agreement;
            var block = m.Region!.Block((long)a.W0, 2 * StateTextBytes);
            WriteText(block, 0, StateTextBytes, t.FirstFailure ?? "");
            WriteText(block, StateTextBytes / 8, StateTextBytes, agreement.Replica.Describe());
            ulong busy = Busy(agreement.Node.Coordinator.Active, agreement.Node.Participant.PreparedCount, agreement.Replica.LocksHeld);
            reply.Complete(new CoreArgs((ulong)agreement.Replica.InvalidationsApplied, (ulong)t.ChangesApplied, (ulong)t.ChecksPassed, (ulong)t.ChecksFailed, busy));
        });

    /// <summary>The state request's busy word: agreements in flight (bits 15..0), prepared (31..16) and locks held (47..32).</summary>
    internal static ulong Busy(int active, int prepared, int locks) => (ulong)(ushort)active | (ulong)(ushort)prepared << 16 | (ulong)(ushort)locks << 32;

    /// <summary>Writes <paramref name="text"/> at word <paramref name="word"/> of <paramref name="block"/>: its length in bytes, then UTF-8, cut to fit <paramref name="bytes"/>.</summary>
    public static void WriteText(SharedBlock block, int word, int bytes, string text)
    {
        var utf8 = Encoding.UTF8.GetBytes(text);
        int n = Math.Min(utf8.Length, bytes - 8);
        utf8.AsSpan(0, n).CopyTo(block.ByteSpan(8 * word + 8, n));
        block.Write(word, n);
    }

    /// <summary>The text <see cref="WriteText"/> wrote at word <paramref name="word"/>.</summary>
    public static string ReadText(SharedBlock block, int word) => Encoding.UTF8.GetString(block.ByteSpan(8 * word + 8, (int)block.Read(word)));

    /// <summary>One series as a result-block word: protocol | kind &lt;&lt; 8.</summary>
    public static long EncodeSeries(ShootdownSeries s) => (long)s.Protocol | (long)s.Kind << 8;

    static ShootdownSeries DecodeSeries(long w)
    {
        var protocol = (RoutingProtocol)(byte)w;
        var kind = (SeriesKind)(byte)(w >> 8);
        return new ShootdownSeries($"{kind}/{protocol}", protocol, kind);
    }
}
