using System.Globalization;
using System.Runtime.InteropServices;
using Multikernel.Hardware;
using Multikernel.Memory;

namespace Multikernel.Tests;

/// <summary>
/// A core process's real page table (<see cref="HardwarePageTable"/>) on a memory object of this test process: every
/// page is a VMA of its own that the host kernel cannot merge with its neighbours, so protection changes never split
/// or merge VMAs (which would take the shared object's mapping lock, one for every core process); each page still
/// maps its own frame of the object.
/// </summary>
public sealed unsafe class HardwarePageTableTests
{
    const int Page = 4096, Pages = 4;

    /// <summary>A page-aligned range of <see cref="Pages"/> free pages with a free page on either side.</summary>
    static ulong FreeRange()
    {
        nint p = LinuxVm.mmap(0, (nuint)(Pages + 2) * Page, LinuxVm.PROT_NONE, LinuxVm.MAP_PRIVATE | LinuxVm.MAP_ANONYMOUS, -1, 0);
        Assert.NotEqual(LinuxVm.MapFailed, p);
        Assert.Equal(0, LinuxVm.munmap(p, (nuint)(Pages + 2) * Page));
        return (ulong)p + Page;
    }

    /// <summary>
    /// Maps <see cref="Pages"/> frames from <paramref name="frameOffset"/> read-write for space 7 at a free range and
    /// returns its address. Another thread of this process (the runtime's) may map into the range between
    /// <see cref="FreeRange"/> and the map; the map then refuses it (EEXIST, having unmapped what it mapped) and a fresh
    /// range is tried.
    /// </summary>
    static ulong MapAtAFreeRange(HardwarePageTable table, long frameOffset)
    {
        for (int attempt = 1; ; attempt++)
        {
            ulong va = FreeRange();
            try
            {
                table.Map(spaceId: 7, va, frameOffset, Pages, PageRights.ReadWrite);
                return va;
            }
            catch (InvalidOperationException e) when (attempt < 5 && e.Message.Contains("errno 17", StringComparison.Ordinal)) { }
        }
    }

    /// <summary>
    /// The VMAs of this class's memory object (<see cref="WithMemoryObject"/>) that overlap [va, va + bytes), as
    /// /proc/self/maps lists them. Other mappings are left out: test classes run in parallel, and another one's mmap
    /// may take addresses a table here has just given back.
    /// </summary>
    static List<(ulong Start, ulong End, string Perms)> VmasIn(ulong va, ulong bytes)
    {
        var found = new List<(ulong, ulong, string)>();
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            if (!line.Contains("/memfd:" + MemoryObjectName, StringComparison.Ordinal)) continue;
            var fields = line.Split(' ', 3);
            var range = fields[0].Split('-');
            ulong start = ulong.Parse(range[0], NumberStyles.HexNumber), end = ulong.Parse(range[1], NumberStyles.HexNumber);
            if (start < va + bytes && va < end) found.Add((start, end, fields[1]));
        }
        return found;
    }

    /// <summary>The name of the memory objects this class maps (memfd_create's name; /proc/self/maps shows it as /memfd:NAME).</summary>
    const string MemoryObjectName = "hardware-page-table-test";

    [Fact]
    public void ProtectionChangesNeitherSplitNorMergeVmasAndEachPageMapsItsOwnFrame()
    {
        WithMemoryObject(8, fd =>
        {
            using var table = new HardwarePageTable(fd);
            const long frameOffset = 2 * Page;
            ulong va = MapAtAFreeRange(table, frameOffset);

            var mapped = VmasIn(va, Pages * Page);
            Assert.Equal(Pages, mapped.Count);
            Assert.All(mapped, v => Assert.Equal((ulong)Page, v.End - v.Start));

            // Each page maps its own frame, the odd ones through the second file description too.
            for (int p = 0; p < Pages; p++) ((byte*)va)[p * Page] = (byte)(0x40 + p);
            for (int p = 0; p < Pages; p++)
            {
                byte b;
                Assert.Equal(1, (long)LinuxVm.pread(fd, &b, 1, frameOffset + p * Page));
                Assert.Equal((byte)(0x40 + p), b);
            }

            var none = new MmuChange(7, va + Page, 1, MmuOp.ProtectNone);
            table.Apply(none);
            table.Verify(none);
            var afterNone = VmasIn(va, Pages * Page);
            Assert.Equal(mapped.Select(v => (v.Start, v.End)), afterNone.Select(v => (v.Start, v.End)));
            Assert.StartsWith("---", afterNone[1].Perms);
            Assert.True(table.IsReadable(va) && table.IsReadable(va + 2 * Page) && !table.IsReadable(va + Page));

            var twoPages = new MmuChange(7, va + Page, 2, MmuOp.ProtectRead);
            table.Apply(twoPages);
            table.Verify(twoPages);
            var restore = new MmuChange(7, va, Pages, MmuOp.ProtectReadWrite);
            table.Apply(restore);
            table.Verify(restore);
            Assert.Equal(mapped.Select(v => (v.Start, v.End)), VmasIn(va, Pages * Page).Select(v => (v.Start, v.End)));

            var unmap = new MmuChange(7, va + 2 * Page, 1, MmuOp.Unmap);
            table.Apply(unmap);
            table.Verify(unmap);
            Assert.Equal(Pages - 1, VmasIn(va, Pages * Page).Count);
            var remap = new MmuChange(7, va + 2 * Page, 1, MmuOp.Remap);
            table.Apply(remap);
            table.Verify(remap);
            Assert.Equal(mapped.Select(v => (v.Start, v.End)), VmasIn(va, Pages * Page).Select(v => (v.Start, v.End)));
            Assert.Equal((byte)0x42, ((byte*)va)[2 * Page]); // the same frame again

            Assert.Equal(0, table.ChecksFailed);
            Assert.Equal(1 + 2 + Pages + 1 + 1, table.ChecksPassed);
            table.Dispose();
            Assert.Empty(VmasIn(va, Pages * Page));
        });
    }

    /// <summary>A change of more pages than a mapping has, whose byte length wraps around 2^64, is refused and changes nothing.</summary>
    [Theory]
    [InlineData(MmuOp.Unmap)]
    [InlineData(MmuOp.ProtectNone)]
    [InlineData(MmuOp.Remap)]
    public void AChangeWhosePageCountOverflowsTheAddressRangeIsRefusedAndChangesNothing(MmuOp op)
    {
        WithMemoryObject(8, fd =>
        {
            ulong va;
            using (var table = new HardwarePageTable(fd))
            {
                va = MapAtAFreeRange(table, 0);
                // (2^52 + 1) pages of 4 KiB are 2^64 + 4096 bytes: 4096 once the length wraps.
                var huge = new MmuChange(7, va, (1L << 52) + 1, op);
                Assert.Throws<ArgumentException>(() => table.Apply(huge));
                Assert.Equal(Pages, VmasIn(va, Pages * Page).Count);
                for (int p = 0; p < Pages; p++) Assert.True(table.IsWritable(va + (ulong)p * Page), $"page {p} lost its rights");
            }
            Assert.Empty(VmasIn(va, Pages * Page)); // Dispose removed every page it mapped
        });
    }

    /// <summary>
    /// An unmap of a page this table has already unmapped is refused and changes nothing: the freed address may hold
    /// another mapping of the process by then (the runtime's, here one the test makes), which a second <c>munmap</c>
    /// would remove.
    /// </summary>
    [Fact]
    public void AnUnmapOfAPageAlreadyUnmappedIsRefusedAndLeavesWhatNowLiesThereMapped()
    {
        WithMemoryObject(8, fd =>
        {
            using var table = new HardwarePageTable(fd);
            ulong va = MapAtAFreeRange(table, 0);
            ulong hole = va + Page;
            var unmap = new MmuChange(7, hole, 1, MmuOp.Unmap);
            table.Apply(unmap);
            nint other = LinuxVm.mmap((nint)hole, Page, LinuxVm.PROT_READ | LinuxVm.PROT_WRITE,
                LinuxVm.MAP_PRIVATE | LinuxVm.MAP_ANONYMOUS | LinuxVm.MAP_FIXED_NOREPLACE, -1, 0);
            Assert.Equal((nint)hole, other);
            try
            {
                *(long*)other = 0x5EED;
                var e = Assert.Throws<InvalidOperationException>(() => table.Apply(unmap));
                Assert.Contains("already unmapped", e.Message);
                Assert.Throws<InvalidOperationException>(() => table.Apply(unmap with { Va = va, Pages = 2 })); // one of its pages is
                Assert.True(table.IsWritable(hole), "the mapping that took the freed address was removed");
                Assert.Equal(0x5EED, *(long*)other);
                Assert.True(table.IsWritable(va), "a refused unmap removed a page it covers");
                Assert.Equal(1, table.ChangesApplied);
            }
            finally
            {
                LinuxVm.munmap(other, Page);
            }
        });
    }

    /// <summary>
    /// A check finds a page that does not allow exactly what the change left it allowing: the pages here were never
    /// changed, so they are still readable and writable, which none of these changes leaves. Checks that only ever
    /// passed could not tell a core that skipped its change from one that made it.
    /// </summary>
    [Fact]
    public void ACheckOfAChangeThatWasNotMadeFailsAndSaysWhatItFound()
    {
        WithAMappedTable((table, va) =>
        {
            table.Verify(new MmuChange(7, va + Page, 1, MmuOp.ProtectRead));
            Assert.Equal((0, 1), (table.ChecksPassed, table.ChecksFailed));
            Assert.Equal($"after ProtectRead the page at 0x{va + Page:x} was readable and writable in this address space", table.FirstFailure);
            table.Verify(new MmuChange(7, va, 2, MmuOp.ProtectNone));
            table.Verify(new MmuChange(7, va, 1, MmuOp.Unmap));
            Assert.Equal((0, 4), (table.ChecksPassed, table.ChecksFailed));
            table.Verify(new MmuChange(7, va, Pages, MmuOp.ProtectReadWrite));
            Assert.Equal((Pages, 4), (table.ChecksPassed, table.ChecksFailed));
            Assert.StartsWith("after ProtectRead", table.FirstFailure); // the first failure is kept
        });
    }

    /// <summary>A read-only mapping can be read and not written, in every page.</summary>
    [Fact]
    public void AReadOnlyMapAllowsReadsAndNoWrites()
    {
        WithMemoryObject(8, fd =>
        {
            using var table = new HardwarePageTable(fd);
            ulong va = FreeRange();
            table.Map(spaceId: 7, va, 0, Pages, PageRights.ReadOnly);
            for (int p = 0; p < Pages; p++)
            {
                ulong at = va + (ulong)p * Page;
                Assert.True(table.IsReadable(at), $"page {p} is not readable");
                Assert.False(table.IsWritable(at), $"page {p} of a read-only mapping is writable");
            }
        });
    }

    /// <summary>
    /// An unmap of several pages leaves every one of them unmapped in the table's records: a later unmap or protect of
    /// its last page is refused (its address may hold another mapping by then), and a remap maps it again.
    /// </summary>
    [Fact]
    public void AnUnmapOfSeveralPagesLeavesEachOfThemUnmapped()
    {
        WithAMappedTable((table, va) =>
        {
            table.Apply(new MmuChange(7, va + Page, 2, MmuOp.Unmap));
            Assert.Equal(Pages - 2, VmasIn(va, Pages * Page).Count);
            var last = va + 2 * Page;
            Assert.Contains("already unmapped", Assert.Throws<InvalidOperationException>(() => table.Apply(new MmuChange(7, last, 1, MmuOp.Unmap))).Message);
            Assert.Contains("remap it first", Assert.Throws<InvalidOperationException>(() => table.Apply(new MmuChange(7, last, 1, MmuOp.ProtectRead))).Message);
            table.Apply(new MmuChange(7, va + Page, 2, MmuOp.Remap));
            Assert.Equal(Pages, VmasIn(va, Pages * Page).Count);
            Assert.True(table.IsWritable(last));
        });
    }

    /// <summary>A change that reaches one page past the end of a mapping is refused and changes nothing (the page after it may be another mapping's).</summary>
    [Theory]
    [InlineData(MmuOp.ProtectRead)]
    [InlineData(MmuOp.Unmap)]
    public void AChangeThatReachesPastTheEndOfItsMappingIsRefused(MmuOp op)
    {
        WithAMappedTable((table, va) =>
        {
            Assert.Throws<ArgumentException>(() => table.Apply(new MmuChange(7, va + (Pages - 1) * Page, 2, op)));
            Assert.Equal(0, table.ChangesApplied);
            Assert.True(table.IsWritable(va + (Pages - 1) * Page), "the mapping's last page lost its rights");
        });
    }

    /// <summary>
    /// Dispose removes only the pages the table still maps: the address of a page it unmapped may hold another mapping
    /// of the process by then (here one of another memory object), which it leaves alone.
    /// </summary>
    [Fact]
    public void DisposeLeavesAloneWhatNowLiesAtAnUnmappedPage()
    {
        WithMemoryObject(8, fd =>
        {
            ulong va, hole;
            int otherFd = LinuxVm.memfd_create(MemoryObjectName, LinuxVm.MFD_CLOEXEC);
            Assert.True(otherFd >= 0);
            try
            {
                Assert.Equal(0, LinuxVm.ftruncate(otherFd, Page));
                using (var table = new HardwarePageTable(fd))
                {
                    va = MapAtAFreeRange(table, 0);
                    hole = va + Page;
                    table.Apply(new MmuChange(7, hole, 1, MmuOp.Unmap));
                    Assert.Equal((nint)hole, LinuxVm.mmap((nint)hole, Page, LinuxVm.PROT_READ, LinuxVm.MAP_SHARED | LinuxVm.MAP_FIXED_NOREPLACE, otherFd, 0));
                }
                Assert.Equal([(hole, hole + Page)], VmasIn(va, Pages * Page).Select(v => (v.Start, v.End)));
                LinuxVm.munmap((nint)hole, Page);
            }
            finally
            {
                LinuxVm.close(otherFd);
            }
        });
    }

    /// <summary>
    /// Frames beyond the end of the memory object are refused when mapped: the kernel would map them, and the first
    /// touch of such a page kills the core process with SIGBUS instead of failing the request that mapped it.
    /// </summary>
    [Fact]
    public void AMapOfFramesBeyondTheEndOfTheMemoryObjectIsRefusedAndMapsNothing()
    {
        WithMemoryObject(2, fd =>
        {
            using var table = new HardwarePageTable(fd);
            ulong va = FreeRange();
            // Frames 1 and 2 of an object of frames 0 and 1: the last page lies beyond its end.
            var e = Assert.Throws<ArgumentException>(() => table.Map(spaceId: 7, va, Page, 2, PageRights.ReadWrite));
            Assert.Contains("beyond the end", e.Message);
            Assert.Empty(VmasIn(va, 2 * Page));
            Assert.Throws<ArgumentException>(() => table.Map(spaceId: 7, va, -Page, 1, PageRights.ReadWrite));
            Assert.Empty(VmasIn(va, 2 * Page));
        });
    }

    /// <summary>Runs <paramref name="body"/> with a memory object (memfd) of <paramref name="pages"/> pages, closed afterwards.</summary>
    static void WithMemoryObject(int pages, Action<int> body)
    {
        int fd = LinuxVm.memfd_create(MemoryObjectName, LinuxVm.MFD_CLOEXEC);
        Assert.True(fd >= 0, $"memfd_create: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            Assert.Equal(0, LinuxVm.ftruncate(fd, pages * Page));
            body(fd);
        }
        finally
        {
            LinuxVm.close(fd);
        }
    }

    /// <summary>Runs <paramref name="body"/> with a table over a memory object of 8 pages and the address of its <see cref="Pages"/> frames from frame 0, mapped read-write for space 7 (<see cref="MapAtAFreeRange"/>).</summary>
    static void WithAMappedTable(Action<HardwarePageTable, ulong> body) => WithMemoryObject(8, fd =>
    {
        using var table = new HardwarePageTable(fd);
        body(table, MapAtAFreeRange(table, 0));
    });

    /// <summary>This process's descriptors that are pipes.</summary>
    static int PipesHeld() => Directory.EnumerateFiles("/proc/self/fd").Count(fd =>
    {
        try { return new FileInfo(fd).LinkTarget?.StartsWith("pipe:", StringComparison.Ordinal) == true; }
        catch (IOException) { return false; }
    });

    [Fact]
    public void ATableThatCannotReopenItsMemoryObjectLeavesNoDescriptorBehind()
    {
        int before = PipesHeld();
        const int NoSuchFd = 1 << 20; // above any descriptor limit: /proc/self/fd has no such entry
        var e = Assert.Throws<InvalidOperationException>(() => new HardwarePageTable(NoSuchFd));
        Assert.Contains("reopening the memory object", e.Message);
        Assert.Equal(before, PipesHeld());
    }
}
