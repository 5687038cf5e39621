using FsCheck;
using FsCheck.Fluent;
using Multikernel.Hardware;
using Multikernel.Memory;

namespace Multikernel.Tests;

/// <summary>User-level page tables: map/unmap/translate, the in-memory x86-64 format, page-table page accounting.</summary>
public sealed class VSpaceTests : IDisposable
{
    const ulong Page = VSpace.PageSize;
    readonly PhysicalMemory _mem = new(4L << 20); // 1024 frames
    readonly FrameAllocator _frames;

    public VSpaceTests() => _frames = new FrameAllocator(_mem);

    public void Dispose() => _mem.Dispose();

    [Fact]
    public void MapTranslateUnmap()
    {
        using var vs = new VSpace(_frames);
        ulong frame = _frames.Alloc();
        ulong va = 0x7F12_3456_7000;
        vs.Map(va, frame, PageRights.ReadWrite);
        Assert.True(vs.TryTranslate(va + 0x123, out ulong pa, out var rights));
        Assert.Equal(frame + 0x123, pa);
        Assert.Equal(PageRights.ReadWrite, rights);
        Assert.False(vs.TryTranslate(va + Page, out _, out _));
        Assert.Equal(1, vs.MappedPages);

        Assert.Equal(PageRights.ReadWrite, vs.Protect(va, PageRights.ReadOnly));
        Assert.True(vs.TryTranslate(va, out _, out rights));
        Assert.Equal(PageRights.ReadOnly, rights);

        Assert.Equal(frame, vs.Unmap(va));
        Assert.False(vs.TryTranslate(va, out _, out _));
        Assert.Equal(0, vs.MappedPages);
    }

    [Fact]
    public unsafe void TablesAreRealX86StyleDataInPhysicalMemory()
    {
        using var vs = new VSpace(_frames);
        ulong frame = _frames.Alloc();
        ulong va = (5UL << 39) | (6UL << 30) | (7UL << 21) | (8UL << 12); // indices 5, 6, 7, 8
        vs.Map(va, frame, PageRights.ReadOnly);
        ulong table = vs.Root;
        int[] index = [5, 6, 7];
        foreach (int i in index)
        {
            ulong e = _mem.FrameWords(table)[i];
            Assert.Equal(PageTableEntry.Present | PageTableEntry.Writable | PageTableEntry.User, e & 0xFFF);
            table = e & PageTableEntry.AddressMask;
            Assert.True(_frames.IsAllocated(table));
        }
        ulong leaf = _mem.FrameWords(table)[8];
        Assert.Equal(frame | PageTableEntry.Present | PageTableEntry.User, leaf); // read-only: no writable bit
        // Every other slot of the last table is empty.
        for (int i = 0; i < VSpace.EntriesPerTable; i++) if (i != 8) Assert.Equal(0UL, _mem.FrameWords(table)[i]);
    }

    [Fact]
    public void PageTablePagesAreCountedAndKeptUntilDispose()
    {
        int free0 = _frames.FreeFrames;
        var vs = new VSpace(_frames);
        Assert.Equal(1, vs.PageTablePages); // the root
        ulong f = _frames.Alloc();
        vs.Map(0x4000_0000, f, PageRights.ReadWrite);
        Assert.Equal(4, vs.PageTablePages);                 // + PDPT, PD, PT
        vs.Map(0x4000_1000, f, PageRights.ReadWrite);
        Assert.Equal(4, vs.PageTablePages);                 // same 2 MiB: same PT
        vs.Map(0x4020_0000, f, PageRights.ReadWrite);
        Assert.Equal(5, vs.PageTablePages);                 // next 2 MiB: a new PT
        vs.Map(0x8000_0000, f, PageRights.ReadWrite);
        Assert.Equal(7, vs.PageTablePages);                 // next 1 GiB: a new PD and PT
        vs.Map(1UL << 39, f, PageRights.ReadWrite);
        Assert.Equal(10, vs.PageTablePages);                // next 512 GiB: a new PDPT, PD and PT
        Assert.Equal(free0 - 1 - 10, _frames.FreeFrames);   // the data frame and the tables

        foreach (ulong va in new ulong[] { 0x4000_0000, 0x4000_1000, 0x4020_0000, 0x8000_0000, 1UL << 39 }) vs.Unmap(va);
        Assert.Equal(0, vs.MappedPages);
        Assert.Equal(10, vs.PageTablePages);                // unmap clears leaves only: tables stay for concurrent walkers

        vs.Dispose();
        Assert.Equal(0, vs.PageTablePages);
        _frames.Release(f);
        Assert.Equal(free0, _frames.FreeFrames);
    }

    [Fact]
    public void RunningOutOfTablePagesMapsNothing()
    {
        var small = new FrameAllocator(_mem, firstFrame: 1000, count: 3);
        using var vs = new VSpace(small);                   // root: 1 frame, 2 left
        var e = Assert.Throws<InsufficientMemoryException>(() => vs.Map(0x1000, 0, PageRights.ReadWrite));
        Assert.Contains("page-table page", e.Message);
        Assert.Equal(0, vs.MappedPages);
        Assert.Equal(3, vs.PageTablePages);                 // the two it got stay linked and counted
        Assert.False(vs.TryTranslate(0x1000, out _, out _));
        Assert.Equal(0, small.FreeFrames);
        vs.Dispose();
        Assert.Equal(3, small.FreeFrames);
    }

    [Fact]
    public void BadAddressesAndDoubleMappingsAreClearErrors()
    {
        using var vs = new VSpace(_frames);
        ulong f = _frames.Alloc();
        Assert.Contains("page-aligned", Assert.Throws<ArgumentOutOfRangeException>(() => vs.Map(0x1001, f, PageRights.ReadWrite)).Message);
        Assert.Contains("user half", Assert.Throws<ArgumentOutOfRangeException>(() => vs.Map(VSpace.UserTop, f, PageRights.ReadWrite)).Message);
        Assert.Contains("outside physical memory", Assert.Throws<ArgumentOutOfRangeException>(() => vs.Map(0x1000, (ulong)_mem.Bytes, PageRights.ReadWrite)).Message);
        Assert.Contains("not the start of a frame", Assert.Throws<ArgumentOutOfRangeException>(() => vs.Map(0x1000, f + 8, PageRights.ReadWrite)).Message);
        vs.Map(0x1000, f, PageRights.ReadWrite);
        Assert.Contains("already mapped", Assert.Throws<InvalidOperationException>(() => vs.Map(0x1000, f, PageRights.ReadOnly)).Message);
        Assert.Contains("not mapped", Assert.Throws<InvalidOperationException>(() => vs.Unmap(0x2000)).Message);
        Assert.Contains("not mapped", Assert.Throws<InvalidOperationException>(() => vs.Protect(0x2000, PageRights.ReadOnly)).Message);
        Assert.False(vs.TryWalk(VSpace.UserTop + Page, out _));
    }

    [Fact]
    public void FrameAllocatorKeepsEveryFrameFreeOrAllocatedNeverBoth()
    {
        var a = new FrameAllocator(_mem, firstFrame: 10, count: 4);
        var got = new List<ulong>();
        while (a.TryAlloc(out ulong pa)) got.Add(pa);
        Assert.Equal(new ulong[] { 10 * 4096, 11 * 4096, 12 * 4096, 13 * 4096 }, got);
        Assert.Equal(0, a.FreeFrames);
        Assert.Contains("no free frame", Assert.Throws<InsufficientMemoryException>(() => a.Alloc()).Message);
        a.Release(got[1]);
        Assert.False(a.IsAllocated(got[1]));
        Assert.Contains("double release", Assert.Throws<InvalidOperationException>(() => a.Release(got[1])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => a.Release(9 * 4096));   // outside the range
        Assert.Throws<ArgumentOutOfRangeException>(() => a.Release(got[0] + 1));  // not a frame start
        Assert.Equal(got[1], a.Alloc());
        Assert.Throws<ArgumentOutOfRangeException>(() => new FrameAllocator(_mem, firstFrame: 1020, count: 10));
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
    /// Property: for any sequence of maps, unmaps and protects on a few regions, the page tables translate exactly like
    /// a dictionary from page to (frame, rights), and the table-page count never shrinks before Dispose.
    /// </summary>
    [FsCheck.Xunit.Property(MaxTest = 100)]
    public Property BehavesLikeAMapFromPageToFrame()
    {
        ulong[] regions = [0, 0x20_0000, 0x4000_0000, 1UL << 39, VSpace.UserTop - (1UL << 21)];
        var op = from kind in Gen.Choose(0, 2)
                 from region in Gen.Elements(regions)
                 from page in Gen.Choose(0, 7)
                 from frame in Gen.Choose(0, 15)
                 from write in Gen.Elements(true, false)
                 select (Kind: kind, Va: region + (ulong)page * Page, Frame: (ulong)frame * Page, Rights: write ? PageRights.ReadWrite : PageRights.ReadOnly);
        return Prop.ForAll(Gen.ListOf(op).ToArbitrary(), ops =>
        {
            using var vs = new VSpace(_frames);
            var model = new Dictionary<ulong, (ulong Pa, PageRights R)>();
            int tables = vs.PageTablePages;
            foreach (var o in ops)
            {
                bool mapped = model.ContainsKey(o.Va);
                switch (o.Kind)
                {
                    case 0 when !mapped: vs.Map(o.Va, o.Frame, o.Rights); model[o.Va] = (o.Frame, o.Rights); break;
                    case 1 when mapped: if (vs.Unmap(o.Va) != model[o.Va].Pa) return false; model.Remove(o.Va); break;
                    case 2 when mapped: vs.Protect(o.Va, o.Rights); model[o.Va] = (model[o.Va].Pa, o.Rights); break;
                }
                if (vs.PageTablePages < tables) return false;
                tables = vs.PageTablePages;
            }
            if (vs.MappedPages != model.Count) return false;
            foreach (ulong region in regions)
                for (int p = 0; p < 8; p++)
                {
                    ulong va = region + (ulong)p * Page;
                    bool found = vs.TryTranslate(va + 5, out ulong pa, out var r);
                    if (found != model.TryGetValue(va, out var m)) return false;
                    if (found && (pa != m.Pa + 5 || r != m.R)) return false;
                }
            return true;
        });
    }
}
