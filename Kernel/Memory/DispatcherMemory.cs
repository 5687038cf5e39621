using Multikernel.Capabilities;

namespace Multikernel.Memory;

/// <summary>
/// A dispatcher's capabilities and memory, made by its core's <see cref="RamCache"/>: its CSpace (root CNode, an L2
/// CNode of slots in root slot 1, its RAM in <see cref="CSpace.BootRam"/>), a <see cref="SlotAllocator"/> over the
/// L2 CNode and a <see cref="RamFrameAllocator"/> that retypes its RAM into frames and page tables. Everything the
/// dispatcher does with memory is an invocation on this CSpace, checked by its core's CPU driver.
/// <para>Invariant: used only on its core (the dispatcher's). <see cref="Dispose"/> revokes the RAM (every frame and
/// table retyped from it goes, mappings cleared), destroys the CSpace and gives the parts back to the cache. Its
/// revoke is local: when a frame or copy of the RAM went to another core, revoke it through the monitors first
/// (<c>CapabilityAgreement.Revoke</c>, as a leaving domain dispatcher does), or what the other core holds stays on
/// record in the ownership table and every later retype from the cache's RAM there needs an agreement.</para>
/// </summary>
public sealed class DispatcherMemory : IDisposable
{
    /// <summary>Root slot of the L2 CNode whose slots <see cref="Slots"/> hands out.</summary>
    public static readonly Cptr SlotsCNode = Cptr.Root(1);

    readonly RamCache _cache;
    readonly CapabilityDriver _caps;
    readonly (ulong Base, ulong Bytes)[] _parts;
    bool _disposed;

    public CSpace Space { get; }
    public SlotAllocator Slots { get; }
    public RamFrameAllocator Frames { get; }
    public CapabilityDriver Driver => _caps;
    /// <summary>Bytes of RAM the dispatcher got.</summary>
    public ulong RamBytes => _parts[^1].Bytes;

    internal DispatcherMemory(RamCache cache, CapabilityDriver caps, CSpace space, (ulong Base, ulong Bytes)[] parts)
    {
        _cache = cache;
        _caps = caps;
        _parts = parts;
        Space = space;
        Slots = new SlotAllocator(SlotsCNode.L1);
        Frames = new RamFrameAllocator(caps, space, CSpace.BootRam, Slots);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _caps.Revoke(Space, CSpace.BootRam); // refused (NeedsAgreement) only if something of it is on another core; then the CSpace's end deletes what is here
        _caps.DestroyCSpace(Space);
        foreach (var (b, n) in _parts) _cache.Release(b, n);
    }
}
