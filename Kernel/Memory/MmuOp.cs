namespace Multikernel.Memory;

/// <summary>
/// What a TLB shootdown asks each participating core to do to its own translation state (<see cref="ITranslationInvalidator"/>).
/// With a software TLB (thread mode) every op is an invalidation: the page tables are shared and already changed.
/// With real page tables (process mode) each core's page table is its own, so the op says what to change.
/// </summary>
public enum MmuOp : byte
{
    /// <summary>Drop cached translations only (the page tables were changed by the initiator).</summary>
    Invalidate = 0,
    /// <summary>No access (x86: the entry is no longer present): what an unmap leaves, with the frame kept.</summary>
    ProtectNone = 1,
    /// <summary>Read-only.</summary>
    ProtectRead = 2,
    /// <summary>Read and write.</summary>
    ProtectReadWrite = 3,
    /// <summary>Remove the mapping (<c>munmap</c>).</summary>
    Unmap = 4,
    /// <summary>Map the range's frames again, read and write, where an <see cref="Unmap"/> removed them.</summary>
    Remap = 5,
}
