using System.Runtime.InteropServices;
using Multikernel.CoreProcesses;

namespace Multikernel.Tests;

/// <summary>
/// The shared region of process mode, opened and created in this test process (no core processes): a core process
/// opens whatever memory object its command line names, so a header that does not describe the object it sits in must
/// be refused with a clear error before anything is mapped or read through it.
/// </summary>
public sealed unsafe class SharedRegionTests
{
    const int Page = 4096;
    const ulong Magic = 0x4E4F_4947_4552_4B4D; // "MKREGION", the region's first word

    // Header words (byte offsets) as SharedRegion lays them out.
    const int EArenaOffset = 24; // in each core's entry of the core table
    const int HCores = 8, HChannelBytes = 16, HFramesOffset = 24, HFramesBytes = 32, HEntries = 88, HNotifiers = 96, HErrors = 104, HTable = 112;

    static SharedRegion.Layout TwoCoreLayout(long arenaBytesPerCore = 1 << 20, int monitorSlots = 64) => new(
        [0, 1], [0, 0], arenaBytesPerCore, FrameBytes: 16 * Page, monitorSlots, HostPortSlots: 16, BroadcastSlots: 64,
        Monitor.RoutingGrouping.Package, MultikernelOptions.DefaultAgreement(), new WaitPolicy(20_000), TimeSpan.FromMicroseconds(10));

    /// <summary>A memory object of <paramref name="fileBytes"/> bytes holding a copy of a real region's header, with <paramref name="corrupt"/> applied to its words.</summary>
    static int ForeignObject(long fileBytes, Action<long[]> corrupt)
    {
        long[] header;
        using (var real = SharedRegion.Create(TwoCoreLayout()))
        {
            header = new long[Page / 8];
            long* at = (long*)LinuxVm.mmap(0, Page, LinuxVm.PROT_READ, LinuxVm.MAP_SHARED, real.MemoryFd, 0);
            Assert.NotEqual(LinuxVm.MapFailed, (nint)at);
            new ReadOnlySpan<long>(at, header.Length).CopyTo(header);
            LinuxVm.munmap((nint)at, Page);
        }
        Assert.Equal((long)Magic, header[0]);
        corrupt(header);
        int fd = LinuxVm.memfd_create("shared-region-test", LinuxVm.MFD_CLOEXEC);
        Assert.True(fd >= 0, $"memfd_create: errno {Marshal.GetLastPInvokeError()}");
        Assert.Equal(0, LinuxVm.ftruncate(fd, fileBytes));
        long* w = (long*)LinuxVm.mmap(0, Page, LinuxVm.PROT_READ | LinuxVm.PROT_WRITE, LinuxVm.MAP_SHARED, fd, 0);
        Assert.NotEqual(LinuxVm.MapFailed, (nint)w);
        header.AsSpan().CopyTo(new Span<long>(w, header.Length));
        LinuxVm.munmap((nint)w, Page);
        return fd;
    }

    public static TheoryData<string> Corruptions => ["channel part beyond the object", "frames beyond the object", "no cores", "more cores than the channel part holds",
        "core table outside the channel part", "boot table outside the channel part", "error slots overlapping the core table", "an arena over the boot table"];

    static void Corrupt(string how, long[] h)
    {
        switch (how)
        {
            case "channel part beyond the object": h[HChannelBytes / 8] = 1L << 30; h[HFramesOffset / 8] = 1L << 30; break;
            case "frames beyond the object": h[HFramesBytes / 8] = 1L << 40; break;
            case "no cores": h[HCores / 8] = 0; break;
            case "more cores than the channel part holds": h[HCores / 8] = 100_000; break;
            case "core table outside the channel part": h[HEntries / 8] = h[HChannelBytes / 8] - 64; break;
            case "boot table outside the channel part": h[HTable / 8] = long.MaxValue - 8; break;
            case "error slots overlapping the core table": h[HErrors / 8] = h[HNotifiers / 8]; break;
            case "an arena over the boot table": h[(h[HEntries / 8] + EArenaOffset) / 8] = h[HTable / 8]; break;
            default: throw new ArgumentException(how);
        }
    }

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void OpeningAnObjectWhoseHeaderDoesNotDescribeItFailsWithAClearError(string corruption)
    {
        // The object is as large as a real region's channel part and frames, so only the corrupted word is wrong.
        long fileBytes;
        using (var real = SharedRegion.Create(TwoCoreLayout())) fileBytes = real.ChannelBytes + 16 * Page;
        int fd = ForeignObject(fileBytes, h => Corrupt(corruption, h));
        try
        {
            SharedRegion? opened = null;
            var e = Record.Exception(() => opened = SharedRegion.Open(Environment.ProcessId, fd));
            opened?.Dispose();
            Assert.True(e is InvalidOperationException, $"{corruption}: Open gave {(e == null ? "a region" : e.GetType().Name + ": " + e.Message)}, not a refusal");
            Assert.Contains($"/proc/{Environment.ProcessId}/fd/{fd}", e!.Message);
        }
        finally { LinuxVm.close(fd); }
    }

    [Fact]
    public void OpeningAnIntactCopyOfTheHeaderSucceeds()
    {
        long fileBytes;
        using (var real = SharedRegion.Create(TwoCoreLayout())) fileBytes = real.ChannelBytes + 16 * Page;
        int fd = ForeignObject(fileBytes, _ => { });
        try
        {
            using var region = SharedRegion.Open(Environment.ProcessId, fd);
            Assert.Equal(2, region.CoreCount);
            Assert.Equal([0, 1], region.Cpus());
        }
        finally { LinuxVm.close(fd); }
    }

    /// <summary>This process's mappings and descriptors of the regions it creates (every one is named after this process).</summary>
    static (int Mappings, int Descriptors) RegionsHeld()
    {
        string name = $"/memfd:multikernel-{Environment.ProcessId} ";
        int mappings = File.ReadLines("/proc/self/maps").Count(l => l.Contains(name, StringComparison.Ordinal));
        int descriptors = Directory.EnumerateFiles("/proc/self/fd").Count(fd =>
        {
            try { return (new FileInfo(fd).LinkTarget + " ").StartsWith(name, StringComparison.Ordinal); }
            catch (IOException) { return false; }
        });
        return (mappings, descriptors);
    }

    [Fact]
    public void ACreateThatFailsLeavesNoMappingAndNoDescriptorBehind()
    {
        var before = RegionsHeld();
        // Each monitor ring of 65536 slots is 4 MiB: the boot table cannot be allocated from 64 KiB arenas.
        var e = Assert.Throws<InvalidOperationException>(() => SharedRegion.Create(TwoCoreLayout(arenaBytesPerCore: 64 << 10, monitorSlots: 65536)));
        Assert.Contains("is full", e.Message);
        Assert.Equal(before, RegionsHeld());
    }

    [Fact]
    public void AnAllocationThatDoesNotFitLeavesTheRestForAllocationsThatDo()
    {
        using var region = SharedRegion.Create(TwoCoreLayout()); // 16 frames
        long first = region.AllocateFrames(10);
        Assert.True(first >= region.ChannelBytes, $"frames at offset {first}, inside the channel part ({region.ChannelBytes} bytes)");
        Assert.Throws<InvalidOperationException>(() => region.AllocateFrames(10));
        Assert.Equal(first + 10 * Page, region.AllocateFrames(6));
        Assert.Throws<InvalidOperationException>(() => region.AllocateFrames(1));

        var block = region.AllocateBlock(1, 512 << 10);
        Assert.Throws<InvalidOperationException>(() => region.AllocateBlock(1, 1 << 30));
        Assert.Equal(block.Offset + (512 << 10), region.AllocateBlock(1, 128).Offset);
    }

    /// <summary>
    /// An allocation larger than its arena (a size of 2^63 bytes or more, negative as a long once rounded) is refused
    /// as full and takes nothing: the arena's allocation word does not move, so later allocations still fit and
    /// follow the earlier ones.
    /// </summary>
    [Fact]
    public void AnAllocationLargerThanItsArenaIsRefusedAndTakesNothing()
    {
        using var region = SharedRegion.Create(TwoCoreLayout());
        long core = region.AllocateBlock(1, 128).Offset, host = region.AllocateHostBlock(128).Offset;
        foreach (nuint bytes in new[] { (nuint)1 << 63, nuint.MaxValue, nuint.MaxValue - 200, (nuint)region.ChannelBytes })
        {
            Assert.Throws<InvalidOperationException>(() => region.AllocateBlock(1, bytes));
            Assert.Throws<InvalidOperationException>(() => region.AllocateHostBlock(bytes));
        }
        Assert.Equal(core + 128, region.AllocateBlock(1, 128).Offset);
        Assert.Equal(host + 128, region.AllocateHostBlock(128).Offset);
    }

    /// <summary>
    /// A block is named across processes by an offset and a size (e.g. two words of a request): a size so large that
    /// offset + size wraps past 2^64 is refused like any other block that does not lie inside the channel part,
    /// instead of giving a view whose words reach far beyond the mapping.
    /// </summary>
    [Fact]
    public void ABlockWhoseEndWouldWrapPast2To64IsRefused()
    {
        using var region = SharedRegion.Create(TwoCoreLayout());
        long offset = region.AllocateHostBlock(64).Offset;
        foreach (nuint bytes in new[] { nuint.MaxValue, nuint.MaxValue - (nuint)offset + 1, (nuint)region.ChannelBytes - (nuint)offset + 1 })
        {
            SharedBlock? block = null;
            var e = Record.Exception(() => block = region.Block(offset, bytes));
            Assert.True(e is ArgumentOutOfRangeException, $"Block({offset}, {bytes}) gave {(e == null ? $"a block of {block!.Value.Bytes} bytes" : e.GetType().Name + ": " + e.Message)}, not a refusal");
        }
        Assert.Equal((nuint)64, region.Block(offset, 64).Bytes);
        Assert.Equal((nuint)region.ChannelBytes - (nuint)offset, region.Block(offset, (nuint)region.ChannelBytes - (nuint)offset).Bytes); // up to the end is inside
    }

    /// <summary>
    /// A broadcast buffer is named across processes by its directory's offset, and the directory names the slots by
    /// theirs: a reader's end is refused, as the writer's is, when the slots do not lie inside the channel part, instead
    /// of reading through a pointer outside the mapping once the writer publishes; and a directory that names more
    /// readers than there are cores is refused by both ends as no directory at all.
    /// </summary>
    [Fact]
    public void ABroadcastDirectoryWhoseSlotsLieOutsideTheChannelPartIsRefusedByBothEnds()
    {
        using var region = SharedRegion.Create(TwoCoreLayout());
        long directory = region.BroadcastOf(0);
        var words = region.Block(directory, 24);
        long slots = words.Read(2);
        Assert.NotNull(region.OpenBroadcastReader(directory, 1)); // intact
        foreach (long bad in new[] { 0L, region.ChannelBytes - 128, long.MaxValue / 2 })
        {
            words.Write(2, bad);
            var reader = Record.Exception(() => region.OpenBroadcastReader(directory, 1));
            Assert.True(reader is ArgumentOutOfRangeException, $"slots at offset {bad}: the reader's end gave {reader?.GetType().Name ?? "a view"}, not a refusal");
            Assert.Throws<ArgumentOutOfRangeException>(() => region.OpenBroadcastWriter(directory));
        }
        words.Write(2, slots);
        Assert.NotNull(region.OpenBroadcastReader(directory, 1));

        // A directory that names more readers than there are cores is no directory.
        long readers = words.Read(1);
        words.Write(1, (readers & ~0xFFFF_FFFFL) | 3); // the writer (high half) kept, three readers
        var e = Assert.Throws<ArgumentException>(() => region.OpenBroadcastReader(directory, 1));
        Assert.Contains("does not hold a broadcast buffer's directory", e.Message);
        Assert.Throws<ArgumentException>(() => region.OpenBroadcastWriter(directory));
    }

    /// <summary>
    /// Once unmapped (the system shut down), the region refuses every use with <see cref="ObjectDisposedException"/>,
    /// as its blocks do, instead of reading the unmapped memory (an access violation that ends the whole process).
    /// </summary>
    [Fact]
    public void AnUnmappedRegionRefusesEveryUseWithObjectDisposedException()
    {
        var region = SharedRegion.Create(TwoCoreLayout());
        long offset = region.AllocateHostBlock(64).Offset;
        region.Dispose();
        Assert.True(region.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => region.ChannelBytes);
        Assert.Throws<ObjectDisposedException>(() => region.BootPid);
        Assert.Throws<ObjectDisposedException>(() => region.CpuOf(0));
        Assert.Throws<ObjectDisposedException>(() => region.Cpus());
        Assert.Throws<ObjectDisposedException>(() => region.NodeOf(1));
        Assert.Throws<ObjectDisposedException>(() => region.AllocateHostBlock(64));
        Assert.Throws<ObjectDisposedException>(() => region.AllocateBlock(0, 64));
        Assert.Throws<ObjectDisposedException>(() => region.Block(offset, 64));
        Assert.Throws<ObjectDisposedException>(() => region.AllocateFrames(1));
        Assert.Throws<ObjectDisposedException>(() => region.ReadError(0, 1));
        region.Dispose(); // a second dispose is harmless
    }

    /// <summary>
    /// A block read and written by one thread while another disposes the region (a host thread sampling a measurement's
    /// progress word while the system shuts down): every access either reaches the mapped block or throws
    /// <see cref="ObjectDisposedException"/>, never touches the unmapped memory (an access violation that ends the
    /// whole process, this test host included). Repeated, so that the disposal often lands between an access's check
    /// and its load or store.
    /// </summary>
    [Fact]
    public void ABlockAccessRacingTheRegionsDisposalThrowsObjectDisposedExceptionAndNeverFaults()
    {
        const int Trials = 200;
        int refused = 0;
        for (int trial = 0; trial < Trials; trial++)
        {
            var region = SharedRegion.Create(TwoCoreLayout());
            var block = region.AllocateHostBlock(64);
            long accesses = 0;
            Exception? unexpected = null;
            var accessor = new Thread(() =>
            {
                try
                {
                    for (long i = 0; ; i++)
                    {
                        block.Write(1, block.Read(0) + i);
                        Volatile.Write(ref accesses, i + 1);
                    }
                }
                catch (ObjectDisposedException) { Interlocked.Increment(ref refused); }
                catch (Exception e) { unexpected = e; }
            }) { IsBackground = true };
            accessor.Start();
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (Volatile.Read(ref accesses) < 100 && DateTime.UtcNow < until) Thread.Yield();
            region.Dispose();
            Assert.True(accessor.Join(TimeSpan.FromSeconds(10)), "the accessor never saw the region disposed");
            Assert.Null(unexpected);
        }
        Assert.Equal(Trials, refused);
    }

    /// <summary>
    /// A core keeps its last <see cref="SharedRegion.ErrorSlots"/> error texts; a reply names its error by number. An
    /// error whose slot a later one took is reported as overwritten, never with the later error's text.
    /// </summary>
    [Fact]
    public void AnErrorWhoseSlotALaterErrorTookIsReportedAsOverwrittenNotWithTheLaterText()
    {
        using var region = SharedRegion.Create(TwoCoreLayout());
        var codes = Enumerable.Range(1, SharedRegion.ErrorSlots + 1).Select(i => region.WriteError(0, $"error number {i}")).ToArray();
        string first = region.ReadError(0, codes[0]);
        Assert.DoesNotContain($"error number {SharedRegion.ErrorSlots + 1}", first);
        Assert.Contains("overwritten", first);
        Assert.Equal("error number 2", region.ReadError(0, codes[1]));
        Assert.Equal($"error number {SharedRegion.ErrorSlots + 1}", region.ReadError(0, codes[^1]));
        Assert.Equal($"error number {SharedRegion.ErrorSlots + 1}", region.LastError(0));
        Assert.Null(region.LastError(1));
    }

    /// <summary>A block's words and bytes reach its last one and no further; the header is no block.</summary>
    [Fact]
    public void ABlockReachesItsLastWordAndByteAndNothingOutsideIt()
    {
        using var region = SharedRegion.Create(TwoCoreLayout());
        var block = region.AllocateHostBlock(64);
        block.Write(7, 77);
        Assert.Equal(77, block.Read(7));
        Assert.Throws<ArgumentOutOfRangeException>(() => block.Read(8));
        Assert.Equal(64, block.ByteSpan(0, 64).Length);
        Assert.Equal(0, block.ByteSpan(64, 0).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => block.ByteSpan(1, 64));
        Assert.Equal(8, block.Longs(0, 8).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => block.Doubles(1, 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => region.Block(0, 64));
        Assert.Throws<ArgumentOutOfRangeException>(() => region.Block(8, 8));
    }

    /// <summary>Two allocations never share a name (an offset), not even two of zero bytes.</summary>
    [Fact]
    public void EveryAllocationHasAnOffsetOfItsOwn()
    {
        using var region = SharedRegion.Create(TwoCoreLayout());
        long[] offsets = [region.AllocateHostBlock(0).Offset, region.AllocateHostBlock(0).Offset, region.AllocateBlock(1, 0).Offset, region.AllocateBlock(1, 0).Offset];
        Assert.Equal(offsets.Length, offsets.Distinct().Count());
    }

    /// <summary>An error text longer than its slot is cut to the slot: the next slot's error (the one written after it) stays whole.</summary>
    [Fact]
    public void ALongErrorTextIsCutToItsSlotAndTheNextSlotsErrorStaysWhole()
    {
        using var region = SharedRegion.Create(TwoCoreLayout());
        for (int i = 1; i <= SharedRegion.ErrorSlots; i++) region.WriteError(0, $"error number {i}");
        int wrapped = region.WriteError(0, new string('x', 1000)); // takes the slot of error 1, before error 2's
        string text = region.ReadError(0, wrapped);
        Assert.True(text.Length is > 0 and < 1000 && text.All(c => c == 'x'), $"a 1000-character error read back as '{text}'");
        Assert.Equal("error number 2", region.ReadError(0, 2));
    }

    /// <summary>A binding's name joins cores 0..n-1 or the host (-1): a core number n is refused at either end, with an error that says so.</summary>
    [Fact]
    public void ABindingNameOfACoreBeyondTheLastIsRefused()
    {
        using var region = SharedRegion.Create(TwoCoreLayout());
        var good = region.AllocateBinding(16, -1, 1).Name!.Value;
        Assert.NotNull(region.OpenBinding(good));
        foreach (var bad in new[] { good with { ClientCore = 2 }, good with { ServerCore = 2 } })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => region.OpenBinding(bad));
            Assert.Contains("a binding joins cores 0..1 or the host (-1)", e.Message);
        }
    }

    /// <summary>Each core's NUMA node is the layout's node for it (not its CPU number); the host has none.</summary>
    [Fact]
    public void EachCoresNodeIsTheOneItsLayoutGave()
    {
        using var region = SharedRegion.Create(TwoCoreLayout() with { Cpus = [0, 1], Nodes = [0, 0] });
        Assert.Equal(0, region.NodeOf(1));
        Assert.Equal(-1, region.NodeOf(-1));
    }
}
