using System.Runtime.InteropServices;
using System.Text;
using Multikernel.Hardware;
using Multikernel.Monitor;
using Multikernel.Monitor.Agreement;
using Multikernel.Urpc;

namespace Multikernel.CoreProcesses;

/// <summary>
/// The one memory object the processes of a process-mode system share (process mode): an anonymous <c>memfd</c>
/// created by the boot process. Its first part, the channel part, is mapped read-write by every process (at whatever
/// address the kernel picks: every cross-process name is an offset into it, never a pointer) and holds everything
/// the cores share: the header and core table, one notifier word per core (the futex a sender wakes), error text,
/// the boot table (the monitors' rings, the host ports and the monitors' broadcast buffers) and the arenas that URPC rings and broadcast buffers are
/// allocated from. Its second part holds the frames of domains' memory; no process maps it whole, each core process
/// maps frames only where a domain's page table says (<see cref="Memory.HardwarePageTable"/>).
/// <para>Placement: one arena per core, placed on that core's NUMA node (<c>mbind</c> of the range before anything
/// touches it, which the shared memory policy of the object keeps for every process); a ring is allocated from its
/// receiver's arena, a broadcast buffer's slots from the writer's and each reader's cursor from the reader's. The host
/// (the boot process) has an arena of its own, first touch.</para>
/// <para>Lifetime: the memfd never has a name in any file system, so there is nothing to unlink: the kernel frees it
/// when the last process holding it (fd or mapping) is gone, which a kill -9 of every process still guarantees.
/// Memory allocated from an arena is released only with the whole region, when the system shuts down.</para>
/// <para>Invariants: an arena is a bump allocator advanced by compare-exchange, so any process may allocate from any
/// arena, no two allocations overlap, and a refused allocation takes nothing; every allocation is zeroed (fresh pages of the object) and 128-byte
/// aligned; the header is written once by the boot process before any core process starts and never changes
/// after, except the arenas' and the frames' allocation words (compare-exchange) and the per-core state, pid and error
/// words, each written only by its own core process.</para>
/// </summary>
public sealed unsafe class SharedRegion : IDisposable
{
    const ulong Magic = 0x4E4F_4947_4552_4B4D; // "MKREGION"
    const int PageSize = 4096;
    const int Align = CacheLine.PaddedSize;
    const int EntryBytes = CacheLine.PaddedSize;
    /// <summary>Error texts each core keeps: the last ones written (a reply names its error by number; error n is in slot (n - 1) mod this).</summary>
    internal const int ErrorSlots = 8;
    const int ErrorSlotBytes = 512;
    const int HostArenaFloor = 1 << 20;

    // Fixed header fields (byte offsets).
    const int HMagic = 0, HCores = 8, HChannelBytes = 16, HFramesOffset = 24, HFramesBytes = 32, HFramesNext = 40,
        HPollCycles = 48, HSpinIterations = 56, HBootPid = 64, HMonitorSlots = 72, HHostPortSlots = 80,
        HEntries = 88, HNotifiers = 96, HErrors = 104, HTable = 112, HBroadcastSlots = 120, HGroupingKind = 128, HGroupingSize = 136,
        HVoteTimeout = 144, HRetransmitInterval = 152, HBlockedVisitSliceTicks = 160, FixedBytes = 192;

    // Entry fields (one entry per core, then the host's), byte offsets within the entry.
    const int ECpu = 0, EState = 8, EPid = 16, EArenaOffset = 24, EArenaBytes = 32, EArenaNext = 40, EErrorCount = 48, ENode = 56;

    /// <summary>A core process's state word.</summary>
    internal const long StateStarting = 0, StateUp = 1, StateStopped = 2, StateFaulted = 3;

    readonly byte* _base;
    readonly nuint _mapped;
    readonly int _fd;
    readonly Notifier?[] _notifiers;
    // Held while a binding is opened, while a block's word is read or written, and while the region is unmapped: a
    // binding answered as the system shuts down is opened on a thread-pool thread, and a host thread may read a block
    // while another shuts the system down, so each either reads the mapped region or sees it disposed, never unmapped memory.
    readonly object _unmapLock = new();
    bool _disposed;

    /// <summary>True once this process has unmapped the region.</summary>
    public bool IsDisposed => _disposed;
    /// <summary>Number of cores (core processes).</summary>
    public int CoreCount { get; }
    /// <summary>The shared memory object's file descriptor in this process (domains' frames are mapped from it).</summary>
    public int MemoryFd => _fd;
    /// <summary>The object's name as /proc shows it (memfd:...); for leak checks.</summary>
    public string ObjectName { get; }
    /// <summary>Bytes of the channel part (mapped in every process).</summary>
    public long ChannelBytes => Read(HChannelBytes);
    /// <summary>Slots of each ring between two monitors.</summary>
    internal int MonitorSlots => (int)Read(HMonitorSlots);
    internal int HostPortSlots => (int)Read(HHostPortSlots);
    /// <summary>The boot process's pid.</summary>
    public int BootPid => (int)Read(HBootPid);
    /// <summary>How the core processes' CPU drivers idle.</summary>
    internal WaitPolicy WaitPolicy => new(Read(HPollCycles), (int)Read(HSpinIterations));
    internal TimeSpan BlockedVisitSlice => TimeSpan.FromTicks(Read(HBlockedVisitSliceTicks));
    /// <summary>How the agreement's multicast routes group the cores (the same in every core process).</summary>
    internal RoutingGrouping Grouping => new((RoutingGroupKind)Read(HGroupingKind), (int)Read(HGroupingSize));
    /// <summary>The agreement's timeouts, in cycles.</summary>
    internal AgreementOptions Agreement => new() { VoteTimeout = Read(HVoteTimeout), RetransmitInterval = Read(HRetransmitInterval) };

    SharedRegion(byte* at, nuint mapped, int fd, int cores, string objectName)
    {
        _base = at;
        _mapped = mapped;
        _fd = fd;
        CoreCount = cores;
        _notifiers = new Notifier?[cores + 1];
        ObjectName = objectName;
    }

    /// <summary>Sizes of one region (what boot asks for).</summary>
    internal readonly record struct Layout(int[] Cpus, int[] Nodes, long ArenaBytesPerCore, long FrameBytes, int MonitorSlots, int HostPortSlots,
        int BroadcastSlots, RoutingGrouping Grouping, AgreementOptions Agreement, WaitPolicy WaitPolicy, TimeSpan BlockedVisitSlice);

    /// <summary>
    /// Boot process: creates the memory object, lays out the header, arenas and boot table, places each core's arena on
    /// its NUMA node, and allocates the monitors' rings (one per ordered pair of cores, in the receiver's arena), the
    /// host ports (host to core in the core's arena, core to host in the host's) and each monitor's broadcast buffer
    /// (the agreement's broadcast route: written by its core, read by every other).
    /// </summary>
    internal static SharedRegion Create(Layout l)
    {
        int n = l.Cpus.Length;
        long arena = RoundUp(l.ArenaBytesPerCore, PageSize);
        var (entries, notifiers, errors, table, tableEnd) = TablesOf(n);
        long hostArena = RoundUp(tableEnd, PageSize);
        long hostArenaBytes = RoundUp(HostArenaFloor + 4L * n * (long)UrpcRingBytes(l.HostPortSlots), PageSize);
        long coreArenas = hostArena + hostArenaBytes;
        long channelBytes = coreArenas + n * arena;
        long frames = RoundUp(l.FrameBytes, PageSize);

        string name = $"multikernel-{Environment.ProcessId}";
        int fd = LinuxVm.memfd_create(name, LinuxVm.MFD_CLOEXEC);
        if (fd < 0) throw new InvalidOperationException($"memfd_create failed: errno {Marshal.GetLastPInvokeError()}");
        SharedRegion? r = null; // once mapped, its Dispose releases the mapping and the descriptor
        try
        {
            if (LinuxVm.ftruncate(fd, channelBytes + frames) != 0)
                throw new InvalidOperationException($"sizing the shared region to {channelBytes + frames} bytes failed: errno {Marshal.GetLastPInvokeError()}");
            r = new SharedRegion(Map(fd, (nuint)channelBytes), (nuint)channelBytes, fd, n, $"/memfd:{name}");
            if (MachineTopology.Current.NumaNodes.Count > 1)
                for (int c = 0; c < n; c++) LinuxVm.PreferNode((nint)(r._base + coreArenas + c * arena), (nuint)arena, l.Nodes[c]);
            r.Write(HCores, n);
            r.Write(HChannelBytes, channelBytes);
            r.Write(HFramesOffset, channelBytes);
            r.Write(HFramesBytes, frames);
            r.Write(HPollCycles, l.WaitPolicy.PollCycles);
            r.Write(HSpinIterations, l.WaitPolicy.SpinIterations);
            r.Write(HBlockedVisitSliceTicks, l.BlockedVisitSlice.Ticks);
            r.Write(HBootPid, Environment.ProcessId);
            r.Write(HMonitorSlots, l.MonitorSlots);
            r.Write(HHostPortSlots, l.HostPortSlots);
            r.Write(HEntries, entries);
            r.Write(HNotifiers, notifiers);
            r.Write(HErrors, errors);
            r.Write(HTable, table);
            r.Write(HBroadcastSlots, l.BroadcastSlots);
            r.Write(HGroupingKind, (long)l.Grouping.Kind);
            r.Write(HGroupingSize, l.Grouping.Size);
            r.Write(HVoteTimeout, l.Agreement.VoteTimeout);
            r.Write(HRetransmitInterval, l.Agreement.RetransmitInterval);
            for (int c = 0; c <= n; c++)
            {
                byte* e = r.Entry(c);
                *(long*)(e + ECpu) = c < n ? l.Cpus[c] : -1;
                *(long*)(e + ENode) = c < n ? l.Nodes[c] : -1;
                *(long*)(e + EArenaOffset) = c < n ? coreArenas + c * arena : hostArena;
                *(long*)(e + EArenaBytes) = c < n ? arena : hostArenaBytes;
            }
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                    if (i != j) r.TableSlot(i * n + j) = r.AllocateRaw(j, UrpcRing.BytesFor(l.MonitorSlots));
                r.TableSlot(n * n + i) = r.AllocateRaw(i, UrpcRing.BytesFor(l.HostPortSlots));
                r.TableSlot(n * n + n + i) = r.AllocateRaw(n, UrpcRing.BytesFor(l.HostPortSlots));
                if (n > 1) r.TableSlot(n * n + 2 * n + i) = r.AllocateBroadcast(i, Enumerable.Range(0, n).Where(c => c != i).ToArray(), l.BroadcastSlots);
            }
            *(ulong*)(r._base + HMagic) = Magic;
            return r;
        }
        catch
        {
            if (r != null) r.Dispose();
            else LinuxVm.close(fd);
            throw;
        }
    }

    /// <summary>Core process: opens the boot process's region through /proc (the boot process is its parent and alive).</summary>
    internal static SharedRegion Open(int bootPid, int bootFd)
    {
        string path = $"/proc/{bootPid}/fd/{bootFd}";
        int fd = LinuxVm.open(path, LinuxVm.O_RDWR | LinuxVm.O_CLOEXEC);
        if (fd < 0) throw new InvalidOperationException($"opening the shared region {path} failed: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            long* h = stackalloc long[FixedBytes / 8];
            if (LinuxVm.pread(fd, h, FixedBytes, 0) != FixedBytes || (ulong)h[HMagic / 8] != Magic) throw new InvalidOperationException($"{path} is not a multikernel shared region (bad magic)");
            long fileBytes = LinuxVm.lseek(fd, 0, LinuxVm.SEEK_END);
            if (fileBytes < 0) throw new InvalidOperationException($"sizing the shared region {path} failed: errno {Marshal.GetLastPInvokeError()}");
            if (HeaderFault(fd, h, fileBytes) is { } fault)
                throw new InvalidOperationException($"{path} is not a multikernel shared region of {fileBytes} bytes: {fault}");
            long bytes = h[HChannelBytes / 8];
            return new SharedRegion(Map(fd, (nuint)bytes), (nuint)bytes, fd, (int)h[HCores / 8], $"/memfd:multikernel-{bootPid}");
        }
        catch
        {
            LinuxVm.close(fd);
            throw;
        }
    }

    /// <summary>Where the core table, the notifier words, the error slots and the boot table of an <paramref name="n"/>-core region lie (byte offsets; the boot table ends at TableEnd).</summary>
    static (long Entries, long Notifiers, long Errors, long Table, long TableEnd) TablesOf(long n)
    {
        long entries = FixedBytes;
        long notifiers = entries + (n + 1) * EntryBytes;
        long errors = notifiers + (n + 1) * EntryBytes;
        long table = errors + n * ErrorSlots * ErrorSlotBytes;
        return (entries, notifiers, errors, table, table + 8 * (n * n + 3 * n));
    }

    /// <summary>
    /// What makes header <paramref name="h"/> (its <see cref="FixedBytes"/> bytes) not describe a region of
    /// <paramref name="fileBytes"/> bytes as <see cref="Create"/> lays one out, or null when it does: every offset this
    /// process later reads through without a range check lies inside the channel part, and the channel part and the
    /// frames inside the object (a mapped page beyond the object's end faults on first touch).
    /// </summary>
    static string? HeaderFault(int fd, long* h, long fileBytes)
    {
        long n = h[HCores / 8], channelBytes = h[HChannelBytes / 8];
        if (n < 1 || n > CoreSet.Capacity) return $"{n} cores (1..{CoreSet.Capacity})";
        if (channelBytes < FixedBytes || channelBytes > fileBytes) return $"a channel part of {channelBytes} bytes";
        if (h[HFramesOffset / 8] != channelBytes || h[HFramesBytes / 8] < 0 || h[HFramesBytes / 8] > fileBytes - channelBytes)
            return $"{h[HFramesBytes / 8]} bytes of frames at offset {h[HFramesOffset / 8]}";
        var (entries, notifiers, errors, table, tableEnd) = TablesOf(n);
        if (h[HEntries / 8] != entries || h[HNotifiers / 8] != notifiers || h[HErrors / 8] != errors || h[HTable / 8] != table || tableEnd > channelBytes)
            return $"its tables are not where {n} cores put them inside a channel part of {channelBytes} bytes";
        if (!UrpcRing.IsValidSize((int)Math.Clamp(h[HMonitorSlots / 8], 0, int.MaxValue)) || !UrpcRing.IsValidSize((int)Math.Clamp(h[HHostPortSlots / 8], 0, int.MaxValue)))
            return $"rings of {h[HMonitorSlots / 8]} and {h[HHostPortSlots / 8]} slots";
        long* e = stackalloc long[EntryBytes / 8];
        for (long i = 0; i <= n; i++)
        {
            if (LinuxVm.pread(fd, e, EntryBytes, entries + i * EntryBytes) != EntryBytes) return $"entry {i} of the core table cannot be read";
            long at = e[EArenaOffset / 8], bytes = e[EArenaBytes / 8];
            if (at < tableEnd || bytes < 0 || bytes > channelBytes - at) return $"arena {i} of {bytes} bytes at offset {at}";
        }
        return null;
    }

    /// <summary>OS CPU of core index <paramref name="core"/>.</summary>
    public int CpuOf(int core) => (int)*(long*)(Entry(CheckCore(core)) + ECpu);

    /// <summary>The booted cores' OS CPU numbers by core index.</summary>
    public int[] Cpus()
    {
        var cpus = new int[CoreCount];
        for (int c = 0; c < CoreCount; c++) cpus[c] = CpuOf(c);
        return cpus;
    }

    /// <summary>NUMA node of core <paramref name="core"/> (-1: the host, or unknown).</summary>
    public int NodeOf(int core) => core < 0 ? -1 : (int)*(long*)(Entry(CheckCore(core)) + ENode);

    /// <summary>The notifier of core <paramref name="core"/> as this process sees it (-1: the host's); one view per process.</summary>
    internal Notifier NotifierOf(int core)
    {
        int i = core < 0 ? CoreCount : CheckCore(core);
        return _notifiers[i] ??= CreateNotifier(i);
    }

    Notifier CreateNotifier(int i)
    {
        var view = new Notifier((int*)(_base + Read(HNotifiers) + i * EntryBytes));
        return Interlocked.CompareExchange(ref _notifiers[i], view, null) ?? view;
    }

    internal long StateOf(int core) => Volatile.Read(ref *(long*)(Entry(CheckCore(core)) + EState));
    internal void SetState(int core, long state) => Volatile.Write(ref *(long*)(Entry(CheckCore(core)) + EState), state);
    internal int PidOf(int core) => (int)Volatile.Read(ref *(long*)(Entry(CheckCore(core)) + EPid));
    internal void SetPid(int core, int pid) => Volatile.Write(ref *(long*)(Entry(CheckCore(core)) + EPid), pid);

    /// <summary>
    /// Core side: keeps <paramref name="text"/> as the core's next error and returns its number (1, 2, ...: the code a
    /// reply carries). A slot holds [number, length, text]; the number is cleared while the text is written and set
    /// after it, so a reader that sees the same number before and after reading has the whole text of that error.
    /// </summary>
    internal int WriteError(int core, string text)
    {
        long n = Interlocked.Increment(ref *(long*)(Entry(CheckCore(core)) + EErrorCount));
        byte* at = ErrorSlot(core, (int)((n - 1) % ErrorSlots));
        Volatile.Write(ref *(int*)at, 0);
        // A full fence, as a seqlock writer's: the cleared number is visible before any byte of the new text (a
        // release store orders only what comes before it; on a weak memory model such as ARM64 the text could
        // otherwise overtake it).
        Interlocked.MemoryBarrier();
        var bytes = Encoding.UTF8.GetBytes(text);
        int len = Math.Min(bytes.Length, ErrorSlotBytes - 8);
        bytes.AsSpan(0, len).CopyTo(new Span<byte>(at + 8, len));
        Volatile.Write(ref *(int*)(at + 4), len);
        Volatile.Write(ref *(int*)at, (int)n);
        return (int)n;
    }

    /// <summary>
    /// The text a core kept as error <paramref name="code"/> (from <see cref="WriteError"/>), or a note saying it was
    /// overwritten: a core keeps its last <see cref="ErrorSlots"/> texts, and an older one is never read as a newer one's.
    /// </summary>
    internal string ReadError(int core, int code)
    {
        if (code < 1) return $"error code {code}";
        byte* at = ErrorSlot(core, (code - 1) % ErrorSlots);
        string overwritten = $"error code {code} (its text was overwritten: more than {ErrorSlots} errors of core #{core} were waiting to be read)";
        if (Volatile.Read(ref *(int*)at) != code) return overwritten;
        int len = Volatile.Read(ref *(int*)(at + 4));
        string text = len <= 0 ? $"error code {code} (no text)" : Encoding.UTF8.GetString(at + 8, Math.Min(len, ErrorSlotBytes - 8));
        // A full fence, as a seqlock reader's: the text is read before the number is checked again (an acquire load
        // orders only what comes after it; on ARM64 the text reads could otherwise complete after the check).
        Interlocked.MemoryBarrier();
        return Volatile.Read(ref *(int*)at) == code ? text : overwritten;
    }

    /// <summary>The last error text core <paramref name="core"/> kept, or null.</summary>
    internal string? LastError(int core)
    {
        long n = Volatile.Read(ref *(long*)(Entry(CheckCore(core)) + EErrorCount));
        return n == 0 ? null : ReadError(core, (int)n);
    }

    byte* ErrorSlot(int core, int slot) => _base + Read(HErrors) + ((long)core * ErrorSlots + slot) * ErrorSlotBytes;

    /// <summary>The monitors' ring from core <paramref name="from"/> to core <paramref name="to"/> (allocated at boot).</summary>
    internal UrpcRing MonitorRing(int from, int to) =>
        OpenRing(TableSlot(CheckCore(from) * CoreCount + CheckCore(to)), MonitorSlots, to);

    /// <summary>The host port into core <paramref name="core"/>'s monitor.</summary>
    internal UrpcRing HostPortInto(int core) => OpenRing(TableSlot(CoreCount * CoreCount + CheckCore(core)), HostPortSlots, core);

    /// <summary>The reply port from core <paramref name="core"/>'s monitor to the host.</summary>
    internal UrpcRing HostPortFrom(int core) => OpenRing(TableSlot(CoreCount * CoreCount + CoreCount + CheckCore(core)), HostPortSlots, -1);

    /// <summary>The directory of core <paramref name="core"/>'s broadcast buffer (allocated at boot; 0 on a one-core system, which has none).</summary>
    internal long BroadcastOf(int core) => TableSlot(CoreCount * CoreCount + 2 * CoreCount + CheckCore(core));

    /// <summary>
    /// Allocates the two rings of a binding between <paramref name="client"/> and <paramref name="server"/> (core
    /// indices; -1 for the host), each in its receiver's arena, and returns this process's view of it with its name.
    /// </summary>
    internal UrpcBinding AllocateBinding(int slots, int client, int server)
    {
        UrpcRing.ValidateSlots(slots, nameof(slots));
        long toServer = AllocateRaw(ArenaOf(server), UrpcRing.BytesFor(slots));
        long toClient = AllocateRaw(ArenaOf(client), UrpcRing.BytesFor(slots));
        return OpenBinding(new UrpcBindingName(toServer, toClient, slots, client, server));
    }

    /// <summary>
    /// This process's view of the binding <paramref name="name"/>: give its Client end to the client core's dispatcher
    /// and its Server end to the server core's. Throws <see cref="ObjectDisposedException"/> once this process has
    /// unmapped the region (the multikernel shut down).
    /// </summary>
    public UrpcBinding OpenBinding(UrpcBindingName name)
    {
        UrpcRing.ValidateSlots(name.Slots, nameof(name));
        if (name.ClientCore < -1 || name.ClientCore >= CoreCount || name.ServerCore < -1 || name.ServerCore >= CoreCount)
            throw new ArgumentOutOfRangeException(nameof(name), name, $"a binding joins cores 0..{CoreCount - 1} or the host (-1)");
        lock (_unmapLock)
        {
            if (_disposed)
                throw new ObjectDisposedException(nameof(SharedRegion), $"the shared region is unmapped in this process (the multikernel shut down): binding {name} cannot be opened");
            return UrpcBinding.Over(OpenRing(name.ToServer, name.Slots, name.ServerCore), OpenRing(name.ToClient, name.Slots, name.ClientCore), name);
        }
    }

    /// <summary>
    /// Allocates a broadcast buffer written by <paramref name="writer"/> and read by <paramref name="readers"/> (core
    /// indices): slots and writer state in the writer's arena, each reader's state in its own, and a directory block
    /// naming them. Returns the directory's offset, the buffer's name across processes.
    /// </summary>
    internal long AllocateBroadcast(int writer, IReadOnlyList<int> readers, int slots)
    {
        UrpcRing.ValidateSlots(slots, nameof(slots));
        if (readers.Count < 1) throw new ArgumentOutOfRangeException(nameof(readers), "a broadcast buffer needs at least one reader");
        long dir = AllocateRaw(CheckCore(writer), (nuint)(8 * (3 + 2 * readers.Count)));
        long* d = (long*)(_base + dir);
        d[0] = slots;
        d[1] = (long)((uint)readers.Count | (ulong)(uint)writer << 32);
        d[2] = AllocateRaw(writer, BroadcastChannel.SlotFrameBytes(slots));
        for (int r = 0; r < readers.Count; r++)
        {
            d[3 + 2 * r] = CheckCore(readers[r]);
            d[4 + 2 * r] = AllocateRaw(readers[r], BroadcastReceiver.StateBytes);
        }
        return dir;
    }

    /// <summary>The writer's end of the broadcast buffer named by <paramref name="directory"/>.</summary>
    internal BroadcastChannel OpenBroadcastWriter(long directory)
    {
        long* d = Directory(directory, out int slots, out int readers);
        var states = new UrpcFrame[readers];
        var notifiers = new Notifier?[readers];
        for (int r = 0; r < readers; r++)
        {
            int core = (int)d[3 + 2 * r];
            states[r] = Frame(d[4 + 2 * r], BroadcastReceiver.StateBytes, core);
            notifiers[r] = NotifierOf(core);
        }
        return new BroadcastChannel(Frame(d[2], BroadcastChannel.SlotFrameBytes(slots), (int)(d[1] >> 32)), slots, states, notifiers);
    }

    /// <summary>Core <paramref name="reader"/>'s end of the broadcast buffer named by <paramref name="directory"/>.</summary>
    internal BroadcastReceiver OpenBroadcastReader(long directory, int reader)
    {
        long* d = Directory(directory, out int slots, out int readers);
        for (int r = 0; r < readers; r++)
            if (d[3 + 2 * r] == reader)
            {
                CheckRange(d[2], BroadcastChannel.SlotFrameBytes(slots)); // the slots, as the writer's Frame checks them
                return BroadcastReceiver.Over((ulong*)(_base + d[2]), slots, Math.Max(1, slots / 4), Frame(d[4 + 2 * r], BroadcastReceiver.StateBytes, reader));
            }
        throw new ArgumentException($"core #{reader} is not a reader of the broadcast buffer at offset {directory}", nameof(reader));
    }

    long* Directory(long offset, out int slots, out int readers)
    {
        CheckRange(offset, 24);
        long* d = (long*)(_base + offset);
        slots = (int)d[0];
        readers = (int)(uint)d[1];
        if (d[0] != slots || !UrpcRing.IsValidSize(slots) || readers < 1 || readers > CoreCount) throw new ArgumentException($"offset {offset} does not hold a broadcast buffer's directory", nameof(offset));
        CheckRange(offset, (nuint)(8 * (3 + 2 * readers))); // every reader's pair of words, read by both ends
        return d;
    }

    /// <summary>Allocates a zeroed block of <paramref name="bytes"/> from the host's arena (requests' larger arguments and results).</summary>
    public SharedBlock AllocateHostBlock(nuint bytes) => Block(AllocateRaw(CoreCount, bytes), bytes);

    /// <summary>Allocates a zeroed block of <paramref name="bytes"/> from core <paramref name="core"/>'s arena (on its node).</summary>
    public SharedBlock AllocateBlock(int core, nuint bytes) => Block(AllocateRaw(CheckCore(core), bytes), bytes);

    /// <summary>This process's view of the block at <paramref name="offset"/> (named by another process).</summary>
    public SharedBlock Block(long offset, nuint bytes)
    {
        CheckRange(offset, bytes);
        return new SharedBlock(this, _base + offset, offset, bytes);
    }

    /// <summary>
    /// Allocates <paramref name="pages"/> zeroed frames of the memory part for a domain's memory; returns their offset
    /// in the memory object (what <see cref="Memory.HardwarePageTable.Map"/> takes).
    /// </summary>
    public long AllocateFrames(int pages)
    {
        if (pages < 1) throw new ArgumentOutOfRangeException(nameof(pages), pages, "at least one frame");
        long bytes = (long)pages * PageSize;
        if (!TryBump(ref *(long*)(_base + HFramesNext), bytes, Read(HFramesBytes), out long at))
            throw new InvalidOperationException($"the shared region's frames ({Read(HFramesBytes)} bytes) are used up: raise MultikernelOptions.FrameBytes");
        return Read(HFramesOffset) + at;
    }

    int ArenaOf(int core) => core < 0 ? CoreCount : CheckCore(core);

    /// <summary>Allocates from arena <paramref name="arena"/> (a core index, or <see cref="CoreCount"/> for the host's).</summary>
    long AllocateRaw(int arena, nuint bytes)
    {
        byte* e = Entry(arena);
        long limit = *(long*)(e + EArenaBytes);
        // A size beyond the arena is refused before it is rounded: one of 2^63 bytes or more would turn negative as a
        // long and move the allocation word backwards (later allocations overlapping earlier ones, or all refused).
        if (bytes > (nuint)limit || !TryBump(ref *(long*)(e + EArenaNext), RoundUp((long)Math.Max(bytes, 1), Align), limit, out long at))
            throw new InvalidOperationException(arena == CoreCount
                ? $"the shared region's host arena ({limit} bytes) is full"
                : $"the shared region's arena of core #{arena} ({limit} bytes) is full: raise MultikernelOptions.ArenaBytesPerCore");
        return *(long*)(e + EArenaOffset) + at;
    }

    /// <summary>
    /// Advances the allocation word <paramref name="next"/> by <paramref name="size"/> bytes if the result stays within
    /// <paramref name="limit"/> (one compare-exchange per try, so any process may allocate), returning where the
    /// allocation starts; a refused allocation leaves the word as it was, so what is left still serves smaller ones.
    /// </summary>
    static bool TryBump(ref long next, long size, long limit, out long at)
    {
        at = Volatile.Read(ref next);
        while (true)
        {
            if (size > limit - at) return false;
            long seen = Interlocked.CompareExchange(ref next, at + size, at);
            if (seen == at) return true;
            at = seen;
        }
    }

    UrpcRing OpenRing(long offset, int slots, int receiver) =>
        UrpcRing.Over(Frame(offset, UrpcRing.BytesFor(slots), receiver), slots, NotifierOf(receiver));

    UrpcFrame Frame(long offset, nuint bytes, int core)
    {
        CheckRange(offset, bytes);
        return UrpcFrame.InRegion(_base + offset, bytes, offset, NodeOf(core));
    }

    static nuint UrpcRingBytes(int slots) => UrpcRing.BytesFor(slots);

    ref long TableSlot(int i) => ref *(long*)(_base + Read(HTable) + 8L * i);

    byte* Entry(int i) => _base + Read(HEntries) + (long)i * EntryBytes;

    // Every read through the region's address starts here, at Entry, TableSlot or CheckRange, which all come through
    // Read or check first: none touches the region once this process has unmapped it.
    long Read(int field)
    {
        ThrowIfUnmapped();
        return *(long*)(_base + field);
    }

    void Write(int field, long value) => *(long*)(_base + field) = value;

    /// <summary>
    /// A <see cref="SharedBlock"/> word read (acquire), under the unmap lock: a read that passed the check completes
    /// before <see cref="Dispose"/> can unmap the memory under it (a lock-free check would let the unmap land between
    /// the check and the load, an access violation that ends the process).
    /// </summary>
    internal long ReadWord(long* at)
    {
        lock (_unmapLock)
        {
            ThrowIfUnmapped();
            return Volatile.Read(ref *at);
        }
    }

    /// <summary>A <see cref="SharedBlock"/> word write (release), under the unmap lock as <see cref="ReadWord"/>.</summary>
    internal void WriteWord(long* at, long value)
    {
        lock (_unmapLock)
        {
            ThrowIfUnmapped();
            Volatile.Write(ref *at, value);
        }
    }

    void ThrowIfUnmapped()
    {
        if (_disposed) throw new ObjectDisposedException(nameof(SharedRegion), "the shared region is unmapped in this process (the multikernel shut down)");
    }

    int CheckCore(int core) => (uint)core < (uint)CoreCount ? core
        : throw new ArgumentOutOfRangeException(nameof(core), core, $"core index must be 0..{CoreCount - 1}");

    void CheckRange(long offset, nuint bytes)
    {
        ThrowIfUnmapped();
        // No sum that could wrap: a size near 2^64 would pass an offset + size test.
        if (offset < FixedBytes || bytes > _mapped || (ulong)offset > _mapped - bytes)
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"{bytes} bytes at offset {offset} are not inside the shared region's channel part ({_mapped} bytes)");
    }

    static long RoundUp(long x, long unit) => (x + unit - 1) / unit * unit;

    static byte* Map(int fd, nuint bytes)
    {
        nint p = LinuxVm.mmap(0, bytes, LinuxVm.PROT_READ | LinuxVm.PROT_WRITE, LinuxVm.MAP_SHARED, fd, 0);
        if (p == -1) throw new InvalidOperationException($"mapping the shared region ({bytes} bytes) failed: errno {Marshal.GetLastPInvokeError()}");
        return (byte*)p;
    }

    /// <summary>Unmaps the region and closes this process's descriptor (the object goes when every process has done so).</summary>
    public void Dispose()
    {
        lock (_unmapLock)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var n in _notifiers) n?.Dispose();
            LinuxVm.munmap((nint)_base, _mapped);
            LinuxVm.close(_fd);
        }
    }
}
