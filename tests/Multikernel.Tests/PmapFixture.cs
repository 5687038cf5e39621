using static Multikernel.Tests.CapabilityTestCore;

namespace Multikernel.Tests;

/// <summary>
/// One core's capability driver with an address space built by invocations: an L2 CNode of slots (root slot 1), a RAM
/// capability of <c>pages</c> pages (root slot 2) that a <see cref="RamFrameAllocator"/> retypes into frames and page
/// tables, and a <see cref="Pmap"/> on it.
/// </summary>
sealed class PmapFixture : IDisposable
{
    public const ulong Page = PageTables.PageSize;
    public const ulong RamOffset = 128 * 1024;
    public readonly CapabilityTestCore Core;
    public readonly SlotAllocator Slots;
    public readonly RamFrameAllocator Frames;
    public readonly Pmap Space;

    public PmapFixture(int pages = 64)
    {
        ulong ram = RamOffset + (ulong)pages * Page;
        Core = new CapabilityTestCore(memoryBytes: (long)Math.Max(2UL << 20, ram + Page), ramBytes: Math.Max(1UL << 20, ram));
        Ok(Core.Driver.Retype(Core.Space, CSpace.BootRam, CapType.CNode, 64 * 1024, CapTypeRules.CNodeGranule, 1, Slot(1)));
        Ok(Core.Driver.Retype(Core.Space, CSpace.BootRam, CapType.Ram, RamOffset, (ulong)pages * Page, 1, Slot(2)));
        Slots = new SlotAllocator(1);
        Frames = new RamFrameAllocator(Core.Driver, Core.Space, Slot(2), Slots);
        Space = new Pmap(Frames);
    }

    public PhysicalMemory Memory => Core.Memory;

    /// <summary>A fresh frame (its capability and physical address).</summary>
    public (Cptr Cap, ulong Pa) NewFrame()
    {
        Ok(Frames.TryAlloc(CapType.Frame, out var f));
        return (f, Core.Space[f].Base);
    }

    /// <summary>A copy of the frame capability with only <paramref name="rights"/> (to map the frame again, or read-only).</summary>
    public Cptr Mint(Cptr frame, CapRights rights)
    {
        if (!Slots.TryAlloc(out var slot)) throw new InvalidOperationException("out of slots");
        Ok(Core.Driver.Mint(Core.Space, frame, slot, rights));
        return slot;
    }

    /// <summary>Maps a fresh frame at <paramref name="va"/>; returns its physical address.</summary>
    public ulong MapNew(ulong va, CapRights rights = CapRights.ReadWrite)
    {
        var (cap, pa) = NewFrame();
        Ok(Space.Map(va, cap, rights));
        return pa;
    }

    public void Dispose() => Core.Dispose();
}
