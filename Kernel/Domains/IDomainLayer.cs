using Multikernel.Urpc;

namespace Multikernel.Domains;

/// <summary>
/// A layer above the domain (e.g. the fork-join loops of <c>Kernel/ParallelLoops</c>, as Barrelfish's
/// <c>lib/bomp</c> sits above its threads and domain code) that speaks message types of its own on the bindings
/// between a domain's dispatchers. It attaches itself to a domain with <see cref="Domain.Layer{T}"/> before it sends
/// its first message; the domain's dispatchers hand it every message of its types.
/// </summary>
public interface IDomainLayer
{
    /// <summary>The message types this layer owns: each at least <see cref="DomainMessages.FirstLayerType"/>, none owned by another layer of the domain.</summary>
    ReadOnlySpan<byte> MessageTypes { get; }

    /// <summary>Handles one message of its types, on the receiving dispatcher's core.</summary>
    void OnMessage(DomainDispatcher self, int fromDispatcher, in UrpcMessage message);
}
