using Multikernel.CoreProcesses;
using Multikernel.Urpc;

namespace Fig1.SharedState;

/// <summary>
/// What the fig1 program runs in its core processes (process mode): the two sides of the URPC pair benchmark. Every
/// core process runs this program (see Program.cs), so each knows these images by name.
/// Arguments of both (<see cref="Args"/>): W0..W2 the binding's name, W3 iterations (bits 31..0) and repetitions
/// (63..32), W4 warm-up operations (bits 31..0) and the offset of the side's result block (63..32).
/// </summary>
public static class Fig1CoreProgram
{
    public const string Pinger = "urpc-tables.pinger", Ponger = "urpc-tables.ponger";

    public static CoreProgram Instance { get; } = new CoreProgram(typeof(Fig1CoreProgram).Assembly)
        .AddImage(Pinger, static (m, a) => new UrpcPinger(Binding(m.Region!, a).Client, Size(a), Outcome(m.Region!, a)))
        .AddImage(Ponger, static (m, a) => new UrpcPonger(Binding(m.Region!, a).Server, Size(a), Outcome(m.Region!, a)));

    /// <summary>The five argument words for one side: the binding's name, the size, the side's result block.</summary>
    public static CoreArgs Args(UrpcBindingName binding, SweepSize size, SharedBlock result)
    {
        var (w0, w1, w2) = binding.Encode();
        if (size.Warmup < 0 || result.Offset > uint.MaxValue) throw new ArgumentOutOfRangeException(nameof(result), "the result block must lie in the region's first 4 GiB");
        return new CoreArgs(w0, w1, w2, (uint)size.Iterations | (ulong)(uint)size.Repetitions << 32, (uint)size.Warmup | (ulong)result.Offset << 32);
    }

    static UrpcBinding Binding(SharedRegion region, CoreArgs a) => region.OpenBinding(UrpcBindingName.Decode(a.W0, a.W1, a.W2));

    static SweepSize Size(CoreArgs a) => new((int)(uint)a.W3, (int)(a.W3 >> 32), (int)(uint)a.W4);

    static SharedPairOutcome Outcome(SharedRegion region, CoreArgs a) =>
        new(region.Block((long)(a.W4 >> 32), SharedPairOutcome.BytesFor((int)(a.W3 >> 32))));
}
