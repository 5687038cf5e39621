using static Multikernel.Tests.CapabilityTestCore;

namespace Multikernel.Tests;

/// <summary>
/// User-level page tables built by capability invocations (<see cref="Pmap"/>): map/unmap/translate, the in-memory
/// x86-64 format, page-table accounting, errors as codes, and the root-table rule of a shared address space.
/// </summary>
public class PmapTests
{
    const ulong Page = PmapFixture.Page;

    [Fact]
    public void MapTranslateUnmap()
    {
        using var f = new PmapFixture();
        ulong va = 0x7F12_3456_7000;
        ulong pa = f.MapNew(va);
        Assert.True(f.Space.TryTranslate(va + 0x123, out ulong got, out var rights));
        Assert.Equal(pa + 0x123, got);
        Assert.Equal(PageRights.ReadWrite, rights);
        Assert.False(f.Space.TryTranslate(va + Page, out _, out _));
        Ok(f.Space.Unmap(va));
        Assert.False(f.Space.TryTranslate(va, out _, out _));
        var (frame, framePa) = f.NewFrame();
        Ok(f.Space.Map(va, f.Mint(frame, CapRights.Read), CapRights.Read)); // a read-only copy maps read-only
        Assert.True(f.Space.TryTranslate(va, out got, out rights));
        Assert.Equal((framePa, PageRights.ReadOnly), (got, rights));
    }

    [Fact]
    public unsafe void TablesAreRealX86StyleDataInPhysicalMemoryAndEachIsAVNodeCapability()
    {
        using var f = new PmapFixture();
        ulong va = (5UL << 39) | (6UL << 30) | (7UL << 21) | (8UL << 12); // indices 5, 6, 7, 8
        var (frame, pa) = f.NewFrame();
        Ok(f.Space.Map(va, f.Mint(frame, CapRights.Read), CapRights.Read));
        var vnodes = f.Core.Driver.Snapshot().Where(r => CapTypeRules.IsVNode(r.Key.Type)).ToDictionary(r => r.Key.Base, r => r.Key.Type);
        ulong table = f.Space.Root;
        Assert.Equal(CapType.VNodePml4, vnodes[table]);
        CapType[] below = [CapType.VNodePdpt, CapType.VNodePdir, CapType.VNodePtable];
        int[] index = [5, 6, 7];
        for (int level = 0; level < 3; level++)
        {
            ulong e = f.Memory.FrameWords(table)[index[level]];
            Assert.Equal(PageTableEntry.Present | PageTableEntry.Writable | PageTableEntry.User, e & 0xFFF);
            table = e & PageTableEntry.AddressMask;
            Assert.Equal(below[level], vnodes[table]);
        }
        ulong leaf = f.Memory.FrameWords(table)[8];
        Assert.Equal(pa | PageTableEntry.Present | PageTableEntry.User, leaf); // read-only: no writable bit
        for (int i = 0; i < PageTables.EntriesPerTable; i++) if (i != 8) Assert.Equal(0UL, f.Memory.FrameWords(table)[i]);
    }

    [Fact]
    public void PageTablesAreCountedAndKeptUntilDestroy()
    {
        using var f = new PmapFixture();
        int free0 = f.Frames.FreePages;
        Assert.Equal(1, f.Space.Tables); // the root
        var frames = new List<Cptr>();
        foreach (ulong va in new ulong[] { 0x4000_0000, 0x4000_1000, 0x4020_0000, 0x8000_0000, 1UL << 39 })
        {
            var (cap, _) = f.NewFrame();
            frames.Add(cap);
            Ok(f.Space.Map(va, cap, CapRights.ReadWrite));
        }
        Assert.Equal(10, f.Space.Tables);                   // 1 + (PDPT, PD, PT) + PT + (PD, PT) + (PDPT, PD, PT)
        Assert.Equal(free0 - 5 - 9, f.Frames.FreePages);    // the data frames and the tables
        foreach (ulong va in new ulong[] { 0x4000_0000, 0x4000_1000, 0x4020_0000, 0x8000_0000, 1UL << 39 }) Ok(f.Space.Unmap(va));
        Assert.Equal(10, f.Space.Tables);                   // unmap clears leaves only: tables stay for concurrent walkers
        f.Space.Destroy();
        Assert.DoesNotContain(f.Core.Driver.Snapshot(), r => CapTypeRules.IsVNode(r.Key.Type));
        foreach (var cap in frames) Ok(f.Frames.Free(cap));
        Assert.Equal(free0 + 1, f.Frames.FreePages);        // the root's page too
        Assert.Equal(CapError.Revoked, f.Space.Map(0x1000, frames[0], CapRights.Read));
        Assert.Null(f.Core.Driver.Validate());
    }

    [Fact]
    public void RunningOutOfTablePagesMapsNothing()
    {
        using var f = new PmapFixture(pages: 4);            // root + 3
        var (frame, _) = f.NewFrame();                     // 2 left
        Assert.Equal(CapError.OutOfRam, f.Space.Map(0x1000, frame, CapRights.ReadWrite));
        Assert.Equal(3, f.Space.Tables);                   // the two it got stay linked and counted
        Assert.False(f.Space.TryWalk(0x1000, out _));
        Assert.Equal(0, f.Frames.FreePages);
        Assert.Null(f.Core.Driver.Validate());
    }

    [Fact]
    public void BadAddressesAndDoubleMappingsAreNamedErrors()
    {
        using var f = new PmapFixture();
        var (frame, _) = f.NewFrame();
        Assert.Equal(CapError.InvalidMapSlot, f.Space.Map(0x1001, frame, CapRights.ReadWrite));
        Assert.Equal(CapError.InvalidMapSlot, f.Space.Map(PageTables.UserTop, frame, CapRights.ReadWrite));
        Assert.Equal(CapError.MissingRights, f.Space.Map(0x1000, f.Mint(frame, CapRights.Read), CapRights.ReadWrite));
        Ok(f.Space.Map(0x1000, frame, CapRights.ReadWrite));
        Assert.Equal(CapError.AlreadyMapped, f.Space.Map(0x2000, frame, CapRights.Read));      // a capability maps once
        Assert.Equal(CapError.VNodeSlotInUse, f.Space.Map(0x1000, f.Mint(frame, CapRights.Read), CapRights.Read));
        Assert.Equal(CapError.VNodeSlotEmpty, f.Space.Unmap(0x2000));
        Assert.Equal(CapError.VNodeSlotEmpty, f.Space.Unmap(0x5000_0000_0000));
        Assert.False(f.Space.TryWalk(PageTables.UserTop + Page, out _));
    }

    [Fact]
    public unsafe void ASharedSpaceLinksARootTableOnlyAfterAgreement()
    {
        using var f = new PmapFixture();
        f.Space.SharedRoot = true;
        var (frame, pa) = f.NewFrame();
        int tables = f.Space.Tables;
        Assert.Equal(CapError.NeedsAgreement, f.Space.Map(0x1000, frame, CapRights.ReadWrite));
        Assert.Equal(tables, f.Space.Tables);
        Ok(f.Space.PrepareRootTable(0, out ulong table));
        Assert.Equal(CapError.VNodeSlotInUse, f.Space.PrepareRootTable(0, out _));
        Assert.False(f.Space.HasRootTable(0));
        Ok(f.Space.LinkRootTable(0));                       // the monitors agreed
        Assert.True(f.Space.HasRootTable(0));
        Assert.Equal(table, PageTableEntry.Address(f.Memory.FrameWords(f.Space.Root)[0]));
        Ok(f.Space.Map(0x1000, frame, CapRights.ReadWrite)); // below the root: local
        Assert.True(f.Space.TryTranslate(0x1000, out ulong got, out _));
        Assert.Equal(pa, got);
        int free = f.Frames.FreePages;
        Ok(f.Space.PrepareRootTable(3, out _));
        f.Space.DropRootTable(3);                           // the monitors refused
        Assert.Equal(free, f.Frames.FreePages);
        Assert.False(f.Space.HasRootTable(3));
        Assert.Equal(CapError.EmptySlot, f.Space.LinkRootTable(3));
    }

    /// <summary>
    /// A destroyed space prepares no root table (one was retyped and never given back, and linking it wrote into the
    /// freed root's slot, which a new space may hold by then) and translates nothing: its root's page goes back to the
    /// allocator, and a walk through it read whatever the page's next owner wrote (here an entry that maps the page
    /// onto itself at every level).
    /// </summary>
    [Fact]
    public unsafe void ADestroyedSpacePreparesNoRootTableAndTranslatesNothing()
    {
        using var f = new PmapFixture();
        const ulong va = (1UL << 39) | (1UL << 30) | (1UL << 21) | (1UL << 12); // index 1 at every level
        f.MapNew(0x1000);
        ulong root = f.Space.Root;
        f.Space.Destroy();
        int free = f.Frames.FreePages;
        Assert.Equal(CapError.Revoked, f.Space.PrepareRootTable(0, out _));
        Assert.Equal(free, f.Frames.FreePages);
        Assert.Equal(CapError.EmptySlot, f.Space.LinkRootTable(0));
        var (_, pa) = f.NewFrame();
        Assert.Equal(root, pa);                             // the next frame is the old root's page
        f.Memory.FrameWords(pa)[1] = PageTableEntry.Table(pa);
        Assert.False(f.Space.TryWalk(va, out _));
        Assert.False(f.Space.TryTranslate(0x1000, out _, out _));
        Assert.Null(f.Core.Driver.Validate());
    }

    [Fact]
    public void PhysicalMemoryIsFreedOnDispose()
    {
        long before = NativeBlock.LiveBytes;
        var m = new PhysicalMemory(64 * 4096);
        Assert.Equal(before + 64 * 4096, NativeBlock.LiveBytes);
        m.Dispose();
        Assert.Equal(before, NativeBlock.LiveBytes);
        Assert.Throws<ArgumentOutOfRangeException>(() => new PhysicalMemory(4095));
    }

    /// <summary>
    /// Property: for any sequence of maps (a fresh frame, read-only or read-write) and unmaps on a few regions, the page
    /// tables translate exactly like a dictionary from page to (frame, rights), and the table count never shrinks.
    /// </summary>
    [FsCheck.Xunit.Property(MaxTest = 60)]
    public Property BehavesLikeAMapFromPageToFrame()
    {
        ulong[] regions = [0, 0x20_0000, 0x4000_0000, 1UL << 39, PageTables.UserTop - (1UL << 21)];
        var op = from unmap in Gen.Elements(true, false)
                 from region in Gen.Elements(regions)
                 from page in Gen.Choose(0, 7)
                 from write in Gen.Elements(true, false)
                 select (Unmap: unmap, Va: region + (ulong)page * Page, Rights: write ? CapRights.ReadWrite : CapRights.Read);
        return Prop.ForAll(Gen.ListOf(op).ToArbitrary(), ops =>
        {
            using var f = new PmapFixture(pages: 128);
            var model = new Dictionary<ulong, (ulong Pa, PageRights R, Cptr Cap)>();
            int tables = f.Space.Tables;
            foreach (var o in ops)
            {
                bool mapped = model.TryGetValue(o.Va, out var m);
                if (!o.Unmap && !mapped)
                {
                    var (cap, pa) = f.NewFrame();
                    if (f.Space.Map(o.Va, cap, o.Rights) != CapError.Ok) return false;
                    model[o.Va] = (pa, o.Rights == CapRights.ReadWrite ? PageRights.ReadWrite : PageRights.ReadOnly, cap);
                }
                else if (o.Unmap && mapped)
                {
                    if (f.Space.Unmap(o.Va) != CapError.Ok || f.Frames.Free(m.Cap) != CapError.Ok) return false;
                    model.Remove(o.Va);
                }
                if (f.Space.Tables < tables) return false;
                tables = f.Space.Tables;
            }
            foreach (ulong region in regions)
                for (int p = 0; p < 8; p++)
                {
                    ulong va = region + (ulong)p * Page;
                    bool found = f.Space.TryTranslate(va + 5, out ulong pa, out var r);
                    if (found != model.TryGetValue(va, out var m)) return false;
                    if (found && (pa != m.Pa + 5 || r != m.R)) return false;
                }
            return f.Core.Driver.Validate() == null;
        });
    }
}
