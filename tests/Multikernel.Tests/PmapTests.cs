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

    /// <summary>
    /// Each level's index is its own nine bits of the address, the top bit of each included (indices of 256 and more):
    /// the entries lie where an x86-64 MMU looks for them, not merely where this kernel's own walk does.
    /// </summary>
    [Theory]
    [InlineData(255, 511, 256, 300)]
    [InlineData(128, 256, 511, 510)]
    public unsafe void EachLevelIndexesTheTableWithItsOwnNineBitsOfTheAddress(int pml4, int pdpt, int pd, int pt)
    {
        using var f = new PmapFixture();
        ulong va = ((ulong)pml4 << 39) | ((ulong)pdpt << 30) | ((ulong)pd << 21) | ((ulong)pt << 12);
        ulong pa = f.MapNew(va);
        ulong table = f.Space.Root;
        foreach (int index in new[] { pml4, pdpt, pd })
        {
            ulong e = f.Memory.FrameWords(table)[index];
            Assert.True(PageTableEntry.IsPresent(e), $"no table linked at index {index} of the table at 0x{table:x}");
            table = PageTableEntry.Address(e);
        }
        Assert.Equal(pa, PageTableEntry.Address(f.Memory.FrameWords(table)[pt]));
        Assert.True(f.Space.TryTranslate(va, out ulong got, out _));
        Assert.Equal(pa, got);
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
        Assert.Equal(CapError.InvalidMapSlot, f.Space.Unmap(PageTables.UserTop | 0x1000)); // the kernel-half twin of a mapped page
        Assert.Equal(CapError.InvalidMapSlot, f.Space.Unmap(0x1001));
        Assert.True(f.Space.TryWalk(0x1000, out _));
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

    /// <summary>
    /// The walk stops at the first entry that is not present, at every level: a non-present entry's address bits
    /// (zero) name no table, and frame 0 may hold anything, here words that look like present entries.
    /// </summary>
    [Fact]
    public unsafe void AWalkStopsAtTheFirstEntryThatIsNotPresent()
    {
        using var memory = new PhysicalMemory(4 * PhysicalMemory.FrameSize);
        const ulong Root = 0x1000, Pdpt = 0x2000;
        memory.FrameWords(0)[0] = PageTableEntry.Leaf(0x3000, PageRights.ReadWrite); // frame 0: data, not a table
        Assert.False(PageTables.TryWalk(memory, Root, 0, out _));                  // the root's entry 0 is not present
        memory.FrameWords(Root)[0] = PageTableEntry.Table(Pdpt);
        Assert.False(PageTables.TryWalk(memory, Root, 0, out _));                  // nor is the PDPT's
        memory.FrameWords(0)[0] = PageTableEntry.Table(0);
        Assert.False(PageTables.TryWalk(memory, Root, 0, out _));
    }

    /// <summary>
    /// Physical memory's bounds include its last byte and nothing past it, and an address inside a frame names the
    /// whole frame (its first word), not a frame-sized window from that address on.
    /// </summary>
    [Fact]
    public unsafe void AFrameIsNamedByAnyAddressInsideItUpToTheLastByte()
    {
        using var m = new PhysicalMemory(2 * PhysicalMemory.FrameSize);
        ulong last = (ulong)m.Bytes - 1;
        Assert.True(m.Contains(last));
        Assert.True(m.Contains((ulong)m.Bytes - 8, 8));
        Assert.False(m.Contains((ulong)m.Bytes - 8, 9));
        Assert.False(m.Contains((ulong)m.Bytes));
        Assert.True(m.FrameWords(0x1000) == m.FrameWords(last), "the last byte's frame is not the second frame");
        Assert.True(m.FrameWords(0x1000) == m.FrameWords(0x1234), "an address inside a frame named another window");
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Frame((ulong)m.Bytes));
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
