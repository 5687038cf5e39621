using static Multikernel.Tests.CapabilityTestCore;

namespace Multikernel.Tests;

/// <summary>Memory management on capabilities: a frame allocator that retypes RAM, and an address space built by invocations.</summary>
public class CapabilityMemoryTests
{
    const ulong Page = CapTypeRules.PageSize;

    /// <summary>An L2 CNode in root slot 1 for the slot allocator, and a 64-page RAM cap in root slot 2 for the frame allocator.</summary>
    static (RamFrameAllocator Alloc, SlotAllocator Slots) Setup(CapabilityTestCore t, int pages = 64)
    {
        Ok(t.Driver.Retype(t.Space, CSpace.BootRam, CapType.CNode, 64 * 1024, CapTypeRules.CNodeGranule, 1, Slot(1)));
        Ok(t.Driver.Retype(t.Space, CSpace.BootRam, CapType.Ram, 128 * 1024, (ulong)pages * Page, 1, Slot(2)));
        var slots = new SlotAllocator(1);
        return (new RamFrameAllocator(t.Driver, t.Space, Slot(2), slots), slots);
    }

    /// <summary>A two-page <see cref="Setup"/> whose allocator has made one frame, and a copy of that frame in a slot of its own.</summary>
    static (RamFrameAllocator Alloc, SlotAllocator Slots, Cptr Frame, Cptr Copy) SetupAFrameAndACopyOfIt(CapabilityTestCore t)
    {
        var (alloc, slots) = Setup(t, pages: 2);
        Ok(alloc.TryAlloc(CapType.Frame, out var frame));
        Assert.True(slots.TryAlloc(out var copy));
        Ok(t.Driver.Copy(t.Space, frame, copy));
        return (alloc, slots, frame, copy);
    }

    /// <summary><see cref="Setup"/>'s frame allocator and a pmap whose page tables come from it.</summary>
    static (RamFrameAllocator Alloc, Pmap Pmap) SetupPmap(CapabilityTestCore t)
    {
        var (alloc, _) = Setup(t);
        return (alloc, new Pmap(alloc));
    }

    /// <summary>Allocates a frame and maps it at <paramref name="va"/> with <paramref name="rights"/>; returns the frame's slot.</summary>
    static Cptr MapNewFrame(RamFrameAllocator alloc, Pmap pmap, ulong va, CapRights rights)
    {
        Ok(alloc.TryAlloc(CapType.Frame, out var f));
        Ok(pmap.Map(va, f, rights));
        return f;
    }

    /// <summary>
    /// A slot allocator over an L2 CNode named twice, or over a root index no cptr holds, is refused when made (the
    /// duplicate was taken, and every slot of that CNode was handed out twice; the bad index failed only at the
    /// first allocation).
    /// </summary>
    [Fact]
    public void ASlotAllocatorRefusesAnL2CNodeNamedTwiceOrOutOfRange()
    {
        Assert.Throws<ArgumentException>(() => new SlotAllocator(1, 2, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SlotAllocator(1, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SlotAllocator(Cptr.MaxL1 + 1));
        var slots = new SlotAllocator(1, 2);
        var given = new HashSet<Cptr>();
        while (slots.TryAlloc(out var s)) Assert.True(given.Add(s), $"{s} handed out twice");
        Assert.Equal(2 * Cptr.L2Slots, given.Count);
    }

    /// <summary>
    /// A slot freed in the second of two L2 CNodes is that slot free again, and only it: the next allocation hands it
    /// out, and a second free of it is refused (taking it again would give the one slot to two holders).
    /// </summary>
    [Fact]
    public void ASlotFreedInTheSecondCNodeIsHandedOutAgainAndOnlyOnce()
    {
        var slots = new SlotAllocator(1, 2);
        while (slots.TryAlloc(out _)) { }
        var freed = Cptr.At(2, 5);
        slots.Free(freed);
        Assert.Equal(1, slots.FreeSlots);
        Assert.Throws<InvalidOperationException>(() => slots.Free(freed));
        Assert.True(slots.TryAlloc(out var again));
        Assert.Equal(freed, again);
        Assert.False(slots.TryAlloc(out _));
    }

    [Fact]
    public void FramesAreRetypedFromRamAndComeBackWhenDeleted()
    {
        using var t = new CapabilityTestCore();
        var (alloc, slots) = Setup(t, pages: 4);
        var frames = new List<Cptr>();
        for (int i = 0; i < 4; i++)
        {
            Ok(alloc.TryAlloc(CapType.Frame, out var f));
            frames.Add(f);
        }
        Assert.Equal(CapError.OutOfRam, alloc.TryAlloc(CapType.Frame, out _));
        Assert.Equal(4, frames.Select(f => t.Space[f].Base).Distinct().Count());
        Assert.All(frames, f => Assert.InRange(t.Space[f].Base, 128 * 1024UL, 128 * 1024UL + 3 * Page));
        Ok(alloc.Free(frames[2]));
        Assert.Equal(1, alloc.FreePages);
        Ok(alloc.TryAlloc(CapType.VNodePtable, out var table)); // the freed page again, now a page table
        Assert.Equal(CapType.VNodePtable, t.Space[table].Type);
        Assert.Equal(Cptr.L2Slots - 4, slots.FreeSlots);
        Assert.Null(t.Driver.Validate());
    }

    [Fact]
    public void FreeingACopyOfAFrameIsRefusedAndLeavesItsPageAllocated()
    {
        using var t = new CapabilityTestCore();
        var (alloc, slots, frame, copy) = SetupAFrameAndACopyOfIt(t);
        // The copy names the same page but is not the capability the allocator made: the page is still in use.
        Assert.Equal(CapError.WrongType, alloc.Free(copy));
        Assert.Equal(1, alloc.FreePages);
        Assert.Equal(t.Space[frame].Base, t.Space[copy].Base); // nothing was deleted
        Ok(alloc.TryAlloc(CapType.Frame, out var second));      // the other page, not the one still in use
        Assert.NotEqual(t.Space[frame].Base, t.Space[second].Base);
        Ok(t.Driver.Delete(t.Space, copy));
        slots.Free(copy);
        Ok(alloc.Free(frame));                                  // the capability it made: its page comes back
        Assert.Equal(1, alloc.FreePages);
        Ok(alloc.TryAlloc(CapType.Frame, out _));
        Assert.Null(t.Driver.Validate());
    }

    /// <summary>
    /// The frame the allocator made is freed while a copy of it lives: its page is still in use, so a retype of it is
    /// refused, and the allocator hands out another free page instead of answering every later request with that refusal.
    /// </summary>
    [Fact]
    public void APageStillHeldByACopyIsPassedOverNotRetriedForEveryAllocation()
    {
        using var t = new CapabilityTestCore();
        var (alloc, slots, frame, copy) = SetupAFrameAndACopyOfIt(t);
        ulong held = t.Space[frame].Base;
        Ok(alloc.Free(frame));                                  // the page comes back while the copy still names it
        Ok(alloc.TryAlloc(CapType.Frame, out var other));
        Assert.NotEqual(held, t.Space[other].Base);
        int freeSlots = slots.FreeSlots;
        Assert.Equal(CapError.RevokeFirst, alloc.TryAlloc(CapType.Frame, out _)); // only the held page is left
        Assert.Equal(freeSlots, slots.FreeSlots);                                 // the refused retype's slot came back
        Ok(t.Driver.Delete(t.Space, copy));
        slots.Free(copy);
        Ok(alloc.TryAlloc(CapType.Frame, out var again));       // now it is free
        Assert.Equal(held, t.Space[again].Base);
        Assert.Equal(0, alloc.FreePages);
        Assert.Null(t.Driver.Validate());
    }

    /// <summary>
    /// Property: for any sequence of allocations (frames and page tables), frees, copies of allocated frames, deletes of
    /// copies and frees of copies over an eight-page RAM, the allocator agrees with a model of its pages (free, or
    /// allocated to one slot; a free page a copy still names cannot be retyped): an allocation succeeds exactly when a
    /// free page no copy names exists, on such a page, and is refused with <see cref="CapError.RevokeFirst"/> when
    /// every free page is named by a copy and <see cref="CapError.OutOfRam"/> when none is free; a copy is never freed;
    /// no page is lost (the free count is the model's).
    /// </summary>
    [FsCheck.Xunit.Property(MaxTest = 100)]
    public Property TheFrameAllocatorAgreesWithAModelOfItsPages()
    {
        const int Pages = 8;
        var op = from kind in Gen.Choose(0, 4)
                 from pick in Gen.Choose(0, 1000)
                 from table in Gen.Elements(true, false)
                 select (Kind: kind, Pick: pick, Table: table);
        return Prop.ForAll(Gen.ListOf(op).ToArbitrary(), ops =>
        {
            using var t = new CapabilityTestCore();
            var (alloc, slots) = Setup(t, pages: Pages);
            ulong first = 128 * 1024;
            var owner = new Dictionary<int, Cptr>();           // allocated page -> the slot the allocator made it in
            var copies = new List<(int Page, Cptr Slot)>();    // copies of allocated frames (they outlive a free)
            var frames = new HashSet<int>();                   // allocated pages that are frames (only those are copied)
            int PageOf(Cptr c) => (int)((t.Space[c].Base - first) / Page);
            foreach (var o in ops)
            {
                switch (o.Kind)
                {
                    case 0: // allocate
                    {
                        var type = o.Table ? CapType.VNodePtable : CapType.Frame;
                        var usable = Enumerable.Range(0, Pages).Where(p => !owner.ContainsKey(p) && !copies.Any(c => c.Page == p)).ToList();
                        var e = alloc.TryAlloc(type, out var cap);
                        var expected = usable.Count > 0 ? CapError.Ok : owner.Count < Pages ? CapError.RevokeFirst : CapError.OutOfRam;
                        if (e != expected) return false;
                        if (e != CapError.Ok) break;
                        int page = PageOf(cap);
                        if (!usable.Contains(page) || t.Space[cap].Type != type) return false;
                        owner[page] = cap;
                        if (!o.Table) frames.Add(page);
                        break;
                    }
                    case 1 when owner.Count > 0: // free what the allocator made
                    {
                        var (page, cap) = owner.ElementAt(o.Pick % owner.Count);
                        if (alloc.Free(cap) != CapError.Ok) return false;
                        owner.Remove(page);
                        frames.Remove(page);
                        break;
                    }
                    case 2 when frames.Count > 0 && copies.Count < 4: // copy an allocated frame
                    {
                        int page = frames.ElementAt(o.Pick % frames.Count);
                        if (!slots.TryAlloc(out var slot) || t.Driver.Copy(t.Space, owner[page], slot) != CapError.Ok) return false;
                        copies.Add((page, slot));
                        break;
                    }
                    case 3 when copies.Count > 0: // delete a copy
                    {
                        var c = copies[o.Pick % copies.Count];
                        if (t.Driver.Delete(t.Space, c.Slot) != CapError.Ok) return false;
                        slots.Free(c.Slot);
                        copies.Remove(c);
                        break;
                    }
                    case 4 when copies.Count > 0: // a copy is not the allocator's to free
                    {
                        var c = copies[o.Pick % copies.Count];
                        if (alloc.Free(c.Slot) != CapError.WrongType || PageOf(c.Slot) != c.Page) return false;
                        break;
                    }
                }
                if (alloc.FreePages != Pages - owner.Count) return false;
            }
            return t.Driver.Validate() == null;
        });
    }

    [Fact]
    public void APmapBuildsX86TablesByInvocationsAndAWalkFollowsThem()
    {
        using var t = new CapabilityTestCore();
        var (alloc, pmap) = SetupPmap(t);
        var vas = new ulong[] { 0x1000, 0x2000, 0x7f00_0020_0000, 0x4000_0000_0000 };
        var frames = new Dictionary<ulong, ulong>();
        foreach (var va in vas)
            frames[va] = t.Space[MapNewFrame(alloc, pmap, va, CapRights.ReadWrite)].Base;
        Assert.Equal(1 + 3 + 2 * 3, pmap.Tables); // the PML4, one chain for the two low pages, one chain each for the others
        foreach (var va in vas)
        {
            Assert.True(pmap.TryWalk(va | 0x123, out ulong pte));
            Assert.Equal(frames[va], PageTableEntry.Address(pte));
        }
        Assert.False(pmap.TryWalk(0x3000, out _));
        Ok(pmap.Unmap(0x2000));
        Assert.False(pmap.TryWalk(0x2000, out _));
        Assert.True(pmap.TryWalk(0x1000, out _));
        Assert.Equal(CapError.VNodeSlotEmpty, pmap.Unmap(0x5000_0000_0000));
        Assert.Null(t.Driver.Validate());
    }

    [Fact]
    public void FreeingAMappedFrameUnmapsItAndTellsTheObserver()
    {
        using var t = new CapabilityTestCore();
        var (alloc, pmap) = SetupPmap(t);
        var f = MapNewFrame(alloc, pmap, 0x10_0000, CapRights.Read);
        Assert.True(pmap.TryWalk(0x10_0000, out _));
        Ok(alloc.Free(f));
        Assert.False(pmap.TryWalk(0x10_0000, out _));
        Assert.Single(t.Cleared); // the shootdown a TLB would need
    }

    [Fact]
    public void RevokingTheAllocatorsRamTakesBackEveryFrameAndTable()
    {
        using var t = new CapabilityTestCore();
        var (alloc, pmap) = SetupPmap(t);
        for (int i = 0; i < 10; i++)
            MapNewFrame(alloc, pmap, 0x40_0000 + (ulong)i * Page, CapRights.ReadWrite);
        Ok(t.Driver.Revoke(t.Space, Slot(2)));
        Assert.DoesNotContain(t.Driver.Snapshot(), r => r.Key.Type == CapType.Frame || CapTypeRules.IsVNode(r.Key.Type));
        Assert.Null(t.Driver.Validate());
    }
}
