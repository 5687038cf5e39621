using System.Text;
using Multikernel.CoreProcesses;
using Multikernel.Memory;
using Multikernel.Monitor;

namespace Fig3.TlbShootdown;

/// <summary>
/// What the fig3 program does in its core processes (process mode, real page tables): map the domain's two pages,
/// run the measuring loop on the initiator, report each core's counts. Every core process runs this program (see
/// Program.cs), so each knows these requests by name.
/// </summary>
public static class Fig3CoreProgram
{
    public const string MapRequest = "fig3.map", LoopRequest = "fig3.loop", StateRequest = "fig3.state";

    /// <summary>The domain's address space id and its two pages, mapped at the same address in every core process.</summary>
    public const ulong Space = 1, ShootVa = 0x3f00_0000_0000UL, UnmapVa = ShootVa + 4096;
    public const int Pages = 2;
    /// <summary>What the first core writes at the start of each page and every other core must read there (one frame, many page tables).</summary>
    public const ulong Marker = 0x5EED_F00D_CAFE_0003;

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
        // On the initiator. W0: result block, W1: the series (count in bits 7..0, then a byte each: protocol, bit 3 = unmap),
        // W2: iterations (bits 31..0) and repetitions (63..32), W3: warm-up operations, W4: cores.
        .AddRequest(LoopRequest, static (m, a, reply) =>
        {
            var series = DecodeSeries(a.W1);
            var size = new SweepSize((int)(uint)a.W2, (int)(a.W2 >> 32), (int)a.W3);
            var block = m.Region!.Block((long)a.W0, (nuint)(8 * HardwareShootdownLoop.Layout.Words(series.Length, size.Repetitions)));
            new HardwareShootdownLoop(m, series, (int)a.W4, size, block, reply).Begin();
        })
        // W0/W1: a block for the first failed check's text. Answers requests served, changes applied, checks passed, checks failed, shootdowns in flight.
        .AddRequest(StateRequest, static (m, a, reply) =>
        {
            var t = m.PageTable;
            var p = ShootdownService.Of(m).Protocol;
            if (t.FirstFailure is { } text)
            {
                var block = m.Region!.Block((long)a.W0, (nuint)a.W1);
                var bytes = Encoding.UTF8.GetBytes(text);
                int n = Math.Min(bytes.Length, (int)a.W1 - 8);
                bytes.AsSpan(0, n).CopyTo(block.ByteSpan(8, n));
                block.Write(0, n);
            }
            reply.Complete(new CoreArgs((ulong)p.RequestsServed, (ulong)t.ChangesApplied, (ulong)t.ChecksPassed, (ulong)t.ChecksFailed, (ulong)p.InFlight));
        });

    public static ulong EncodeSeries(IReadOnlyList<ShootdownSeries> series)
    {
        if (series.Count is < 1 or > 7) throw new ArgumentException($"the loop runs 1 to 7 series; got {series.Count}", nameof(series));
        ulong w = (ulong)series.Count;
        for (int i = 0; i < series.Count; i++) w |= ((ulong)series[i].Protocol | (series[i].Unmap ? 8UL : 0)) << (8 * (i + 1));
        return w;
    }

    static ShootdownSeries[] DecodeSeries(ulong w)
    {
        var series = new ShootdownSeries[(int)(w & 0xff)];
        for (int i = 0; i < series.Length; i++)
        {
            ulong b = w >> (8 * (i + 1));
            series[i] = new ShootdownSeries("", (RoutingProtocol)(b & 7), Unmap: (b & 8) != 0);
        }
        return series;
    }
}
