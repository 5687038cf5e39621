using Multikernel.Domains;
using Multikernel.Urpc;

namespace Multikernel.ParallelLoops;

/// <summary>
/// Fork-join loops attached to one domain (<see cref="Domain.Layer{T}"/>): the layer owns the
/// <see cref="ForkJoinMessages"/> types on the domain's bindings and holds one <see cref="ForkJoinEngine"/> per
/// dispatcher.
/// <para>Invariant: engine i is created on dispatcher i's core (by its first fork, or by the first fork message it
/// receives) and used there only, except that a worker reads its master's job table after receiving the master's fork
/// message (see <see cref="ForkJoinEngine"/>).</para>
/// </summary>
sealed class ForkJoinLayer : IDomainLayer
{
    readonly ForkJoinEngine?[] _engines;

    ForkJoinLayer(Domain domain) => _engines = new ForkJoinEngine?[domain.DispatcherCount];

    /// <summary>The layer of <paramref name="domain"/>, attached on first use.</summary>
    public static ForkJoinLayer Of(Domain domain) => domain.Layer(static d => new ForkJoinLayer(d));

    public ReadOnlySpan<byte> MessageTypes => ForkJoinMessages.Types;

    /// <summary>The engine of <paramref name="d"/>; created on first use, on <paramref name="d"/>'s core.</summary>
    public ForkJoinEngine EngineOf(DomainDispatcher d)
    {
        var e = Volatile.Read(ref _engines[d.Index]);
        if (e != null) return e;
        d.AssertOnCore();
        e = new ForkJoinEngine(d, this);
        Volatile.Write(ref _engines[d.Index], e);
        return e;
    }

    /// <summary>The engine of dispatcher <paramref name="index"/> as another core sees it (null if it never took part).</summary>
    public ForkJoinEngine? PeekEngine(int index) => Volatile.Read(ref _engines[index]);

    public void OnMessage(DomainDispatcher self, int fromDispatcher, in UrpcMessage message) =>
        EngineOf(self).OnMessage(fromDispatcher, in message);
}
