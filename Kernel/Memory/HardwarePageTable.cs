using System.Diagnostics;
using System.Runtime.InteropServices;
using Multikernel.Hardware;

namespace Multikernel.Memory;

/// <summary>
/// The real page table of one core process (process mode), as far as domains' memory goes: frames of the shared
/// memory object mapped at fixed virtual addresses in this process only. Since every thread of a core process is
/// confined to its core, this page table is loaded by that core alone, so a change made here with <c>mprotect</c> or
/// <c>munmap</c> is a real page-table edit followed by a real TLB invalidation that the host kernel can do locally,
/// without an IPI. A domain that runs on several cores is mapped at the same address in each of their processes; a
/// shootdown tells every other core to apply the same change to its own table (<see cref="ITranslationInvalidator"/>).
/// <para>Every page is a mapping (a VMA) of its own, and no two neighbouring pages are mapped through the same open
/// file description of the memory object (even pages through one, odd pages through a second, opened from the
/// first), so the host kernel can never merge two of them into one VMA. A protection change therefore covers whole
/// VMAs: it rewrites page-table entries and flushes this core's TLB, and never splits or merges a VMA. A split or a
/// merge of a VMA of a shared file takes that file's mapping lock (<c>i_mmap_rwsem</c>), one lock for every core
/// process, so the other cores' page-table changes in a shootdown could queue behind one another on it; with one VMA
/// per page a protection change splits and merges nothing, so it does not take that lock.</para>
/// <para>Checks (<see cref="Verify"/>) ask the host kernel, without faulting, whether the page is readable and writable
/// in this address space (<see cref="PageAccessProbe"/>: a byte copied through a pipe fails with EFAULT).</para>
/// <para>Invariants: used only on its core's thread (checked in Debug builds after <see cref="BindToCurrentThread"/>);
/// mappings never overlap one another (MAP_FIXED_NOREPLACE refuses an address already in use, in this process, by
/// anything); every range a change names lies inside one mapping made by <see cref="Map"/>; a protect or unmap names
/// only pages that are mapped (the address of an unmapped page may hold another mapping of the process), a remap only
/// pages that are not.</para>
/// </summary>
public sealed class HardwarePageTable : ITranslationInvalidator, IDisposable
{
    const int PROT_NONE = LinuxVm.PROT_NONE, PROT_READ = LinuxVm.PROT_READ, PROT_WRITE = LinuxVm.PROT_WRITE;
    const int PageSize = 4096;

    struct Mapping
    {
        public ulong SpaceId, Va;
        public int Pages;
        public long FileOffset;
        public bool[] Present; // per page: false after an Unmap until the Remap
    }

    readonly int _memoryFd;
    readonly int _oddPagesFd;   // a second open file description of the memory object: odd pages map through it
    readonly PageAccessProbe _probe;
    Mapping[] _mappings = [];
    Thread? _owner;
    bool _disposed;

    /// <summary>Changes applied (<see cref="Apply"/>).</summary>
    public long ChangesApplied { get; private set; }
    /// <summary>Checks that found the pages as the change left them.</summary>
    public long ChecksPassed { get; private set; }
    /// <summary>Checks that did not.</summary>
    public long ChecksFailed { get; private set; }
    /// <summary>What the first failed check found (null while none has failed).</summary>
    public string? FirstFailure { get; private set; }

    /// <param name="memoryFd">The shared memory object whose frames domains map (the process's own file descriptor for it).</param>
    public HardwarePageTable(int memoryFd)
    {
        _memoryFd = memoryFd;
        _oddPagesFd = LinuxVm.open($"/proc/self/fd/{memoryFd}", LinuxVm.O_RDWR | LinuxVm.O_CLOEXEC);
        if (_oddPagesFd < 0)
            throw new InvalidOperationException($"reopening the memory object (fd {memoryFd}) through /proc/self/fd failed: errno {Marshal.GetLastPInvokeError()}");
        try { _probe = new PageAccessProbe(); }
        catch
        {
            LinuxVm.close(_oddPagesFd);
            throw;
        }
    }

    /// <summary>Names the calling thread (the core's CPU-driver thread) as the only one allowed to change this table.</summary>
    public void BindToCurrentThread() => _owner = Thread.CurrentThread;

    /// <summary>
    /// Maps <paramref name="pages"/> frames of the shared memory object from <paramref name="fileOffset"/> at
    /// <paramref name="va"/> in this process, for address space <paramref name="spaceId"/>, with <paramref name="rights"/>.
    /// Throws, naming the address and errno, when the address is taken in this process or the object is too small.
    /// </summary>
    public void Map(ulong spaceId, ulong va, long fileOffset, int pages, PageRights rights)
    {
        AssertOwner();
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (pages < 1) throw new ArgumentOutOfRangeException(nameof(pages), pages, "a mapping covers at least one page");
        if (va % PageSize != 0 || fileOffset % PageSize != 0)
            throw new ArgumentException($"va 0x{va:x} and frame offset 0x{fileOffset:x} must be page-aligned", nameof(va));
        // The kernel maps frames beyond the object's end too; the first touch of one would be a SIGBUS.
        long objectBytes = LinuxVm.lseek(_memoryFd, 0, LinuxVm.SEEK_END);
        if (objectBytes < 0) throw new InvalidOperationException($"sizing the memory object (fd {_memoryFd}) failed: errno {Marshal.GetLastPInvokeError()}");
        if (fileOffset < 0 || fileOffset > objectBytes || pages > (objectBytes - fileOffset) / PageSize)
            throw new ArgumentException($"{pages} frame(s) at offset 0x{fileOffset:x} reach beyond the end of the memory object ({objectBytes} bytes)", nameof(fileOffset));
        foreach (var m in _mappings)
            if (va < m.Va + (ulong)m.Pages * PageSize && m.Va < va + (ulong)pages * PageSize)
                throw new ArgumentException($"0x{va:x} + {pages} pages overlaps the mapping at 0x{m.Va:x} of space {m.SpaceId}", nameof(va));
        MapFixed(va, pages, fileOffset, rights == PageRights.ReadWrite ? PROT_READ | PROT_WRITE : PROT_READ);
        var present = new bool[pages];
        Array.Fill(present, true);
        _mappings = [.. _mappings, new Mapping { SpaceId = spaceId, Va = va, Pages = pages, FileOffset = fileOffset, Present = present }];
    }

    /// <summary>
    /// Applies a shootdown's change to this core's page table: <c>mprotect</c> for the protect ops, <c>munmap</c> for
    /// <see cref="MmuOp.Unmap"/>, <c>mmap</c> of the same frames for <see cref="MmuOp.Remap"/>. The host kernel
    /// invalidates this core's TLB entries for the range as part of the call.
    /// </summary>
    public void Apply(in MmuChange change)
    {
        AssertOwner();
        ref var m = ref Find(change);
        nint at = (nint)change.Va;
        nuint len = (nuint)change.Pages * PageSize;
        long first = (long)((change.Va - m.Va) / PageSize);
        switch (change.Op)
        {
            case MmuOp.ProtectNone or MmuOp.ProtectRead or MmuOp.ProtectReadWrite:
            {
                int prot = change.Op switch { MmuOp.ProtectNone => PROT_NONE, MmuOp.ProtectRead => PROT_READ, _ => PROT_READ | PROT_WRITE };
                for (int p = 0; p < change.Pages; p++)
                    if (!m.Present[first + p]) throw new InvalidOperationException($"{change.Op} of 0x{change.Va:x}: page {first + p} of the mapping is unmapped (remap it first)");
                if (LinuxVm.mprotect(at, len, prot) != 0) throw Failed("mprotect", change);
                break;
            }
            case MmuOp.Unmap:
                // The address of a page unmapped before may hold another mapping of this process by now: never munmap it.
                for (int p = 0; p < change.Pages; p++)
                    if (!m.Present[first + p]) throw new InvalidOperationException($"{change.Op} of 0x{change.Va:x}: page {first + p} of the mapping is already unmapped");
                if (LinuxVm.munmap(at, len) != 0) throw Failed("munmap", change);
                for (int p = 0; p < change.Pages; p++) m.Present[first + p] = false;
                break;
            case MmuOp.Remap:
                MapFixed(change.Va, change.Pages, m.FileOffset + (long)(change.Va - m.Va), PROT_READ | PROT_WRITE);
                for (int p = 0; p < change.Pages; p++) m.Present[first + p] = true;
                break;
            default:
                throw new InvalidOperationException("a real page table has no user-level TLB invalidation: the change must protect, unmap or remap (the host kernel invalidates the TLB itself)");
        }
        ChangesApplied++;
    }

    /// <summary>Checks, without faulting, that every page of the change allows exactly what the change left it allowing.</summary>
    public void Verify(in MmuChange change)
    {
        AssertOwner();
        var rights = change.RightsAfter;
        for (int p = 0; p < change.Pages; p++)
        {
            ulong va = change.Va + (ulong)p * PageSize;
            bool readable = IsReadable(va);
            bool writable = readable && IsWritable(va);
            bool ok = rights switch
            {
                null => !readable,
                PageRights.ReadOnly => readable && !writable,
                _ => readable && writable,
            };
            if (ok) { ChecksPassed++; continue; }
            ChecksFailed++;
            FirstFailure ??= $"after {change.Op} the page at 0x{va:x} was {(readable ? writable ? "readable and writable" : "readable only" : "not accessible")} in this address space";
        }
    }

    /// <summary>True when the host kernel can read the byte at <paramref name="va"/> in this process (no fault taken).</summary>
    public bool IsReadable(ulong va) => _probe.IsReadable((nint)va);

    /// <summary>True when it can write it (the page must be readable; its byte is written back unchanged).</summary>
    public bool IsWritable(ulong va) => _probe.IsWritable((nint)va);

    ref Mapping Find(in MmuChange c)
    {
        for (int i = 0; i < _mappings.Length; i++)
        {
            ref var m = ref _mappings[i];
            // In pages, not bytes: a page count near 2^52 or more would wrap a byte length around 2^64.
            if (m.SpaceId == c.SpaceId && c.Pages >= 1 && c.Va >= m.Va && c.Va % PageSize == 0 && (c.Va - m.Va) / PageSize < (ulong)m.Pages
                && (ulong)c.Pages <= (ulong)m.Pages - (c.Va - m.Va) / PageSize)
                return ref m;
        }
        throw new ArgumentException($"0x{c.Va:x} + {c.Pages} page(s) of space {c.SpaceId} is not a page-aligned range inside a mapping of this core's page table", nameof(c));
    }

    /// <summary>Maps each page as a VMA of its own, through the file description of its parity (see the class remarks);
    /// on a failure unmaps the pages it mapped and throws.</summary>
    void MapFixed(ulong va, long pages, long fileOffset, int prot)
    {
        for (long i = 0; i < pages; i++)
        {
            ulong at = va + (ulong)i * PageSize;
            int fd = (at / PageSize) % 2 == 0 ? _memoryFd : _oddPagesFd;
            nint p = LinuxVm.mmap((nint)at, PageSize, prot, LinuxVm.MAP_SHARED | LinuxVm.MAP_FIXED_NOREPLACE, fd, (nint)(fileOffset + i * PageSize));
            if (p == -1)
            {
                int errno = Marshal.GetLastPInvokeError();
                LinuxVm.munmap((nint)va, (nuint)i * PageSize);
                throw new InvalidOperationException($"mapping page {i} of {pages} at 0x{at:x} failed: errno {errno}{(errno == 17 ? " (the address is already in use in this process)" : "")}");
            }
            if ((ulong)p != at)
            {
                LinuxVm.munmap(p, PageSize);
                LinuxVm.munmap((nint)va, (nuint)i * PageSize);
                throw new InvalidOperationException($"the kernel placed a fixed mapping for 0x{at:x} at 0x{p:x} (MAP_FIXED_NOREPLACE needs Linux 4.17 or later)");
            }
        }
    }

    static InvalidOperationException Failed(string call, in MmuChange c) =>
        new($"{call} of {c.Pages} page(s) at 0x{c.Va:x} ({c.Op}) failed: errno {Marshal.GetLastPInvokeError()}");

    [Conditional("DEBUG")]
    void AssertOwner()
    {
        if (_owner != null && _owner != Thread.CurrentThread)
            throw new InvalidOperationException("a core's page table was changed from another thread: it is core-local state, reached from other cores only by a shootdown message");
    }

    /// <summary>Removes every mapping this table made.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var m in _mappings)
            for (int p = 0; p < m.Pages; p++)
                if (m.Present[p]) LinuxVm.munmap((nint)(m.Va + (ulong)p * PageSize), PageSize);
        _mappings = [];
        _probe.Dispose();
        LinuxVm.close(_oddPagesFd);
    }
}
