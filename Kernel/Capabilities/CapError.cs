namespace Multikernel.Capabilities;

/// <summary>
/// The result of a capability invocation: <see cref="Ok"/> or the named reason it was refused (Barrelfish's
/// <c>errval_t</c>, seL4's syscall error codes). An invocation that returns anything but <see cref="Ok"/> has changed
/// nothing. Invocations return these codes and never throw on the hot path; a caller that cannot continue turns one
/// into an exception itself.
/// </summary>
public enum CapError : byte
{
    Ok = 0,
    /// <summary>The invocation reached a core that does not own the CSpace it names (invocations are checked on the CSpace's own core).</summary>
    WrongCore,
    /// <summary>The capability address does not resolve: index outside its CNode, or the first level names a slot that holds no CNode.</summary>
    InvalidAddress,
    /// <summary>The addressed slot is empty (Barrelfish SYS_ERR_CAP_NOT_FOUND).</summary>
    EmptySlot,
    /// <summary>A destination slot already holds a capability (SYS_ERR_SLOT_IN_USE).</summary>
    SlotInUse,
    /// <summary>The capability has the wrong type for this invocation (e.g. mapping a RAM cap as a frame).</summary>
    WrongType,
    /// <summary>The capability lacks a right the invocation needs (e.g. a writable mapping of a read-only frame).</summary>
    MissingRights,
    /// <summary>Mint asked for rights the source capability does not have: rights only shrink.</summary>
    RightsNotSubset,
    /// <summary>The source type cannot be retyped into the requested type (SYS_ERR_INVALID_RETYPE).</summary>
    InvalidRetype,
    /// <summary>Object size not allowed for the type (not a page multiple, wrong fixed size, zero).</summary>
    InvalidSize,
    /// <summary>The objects do not fit inside the source from the given offset, or the offset is not page-aligned.</summary>
    InvalidOffset,
    /// <summary>Object count below one, or more destination slots than the CNode has from the given slot.</summary>
    InvalidCount,
    /// <summary>The requested range overlaps a live descendant of the source: revoke it first (SYS_ERR_REVOKE_FIRST).</summary>
    RevokeFirst,
    /// <summary>A held reference (<see cref="CapHandle"/>) names a slot whose capability was deleted or revoked since.</summary>
    Revoked,
    /// <summary>The object takes part in a distributed operation that has not finished; try again.</summary>
    Locked,
    /// <summary>The object has copies or descendants on other cores: the operation must run as an agreement among the monitors (Barrelfish SYS_ERR_RETRY_THROUGH_MONITOR).</summary>
    NeedsAgreement,
    /// <summary>A badge on a type that carries none, a badge on an already badged endpoint, or a badge wider than 28 bits.</summary>
    InvalidBadge,
    /// <summary>The entry index is outside the table (0..511), or the frame does not fit from it.</summary>
    InvalidMapSlot,
    /// <summary>The page-table entry is already in use (SYS_ERR_VNODE_SLOT_INUSE).</summary>
    VNodeSlotInUse,
    /// <summary>Nothing is mapped at that entry (or the entry is not the first of a mapping).</summary>
    VNodeSlotEmpty,
    /// <summary>This capability is already mapped; map a copy to map the object again (seL4's rule).</summary>
    AlreadyMapped,
    /// <summary>The frame or table lies outside the machine's physical memory.</summary>
    OutsidePhysicalMemory,
    /// <summary>This type cannot be sent to another core (CNode, VNode, Dispatcher: their state lives on their core).</summary>
    NotTransferable,
    /// <summary>The monitors' ownership table does not list this core as a holder: the object was revoked while the capability travelled.</summary>
    NotAHolder,
    /// <summary>A Dispatcher cap already describes a running dispatcher, an Endpoint's dispatcher was never set up, or an LRPC's callee has left its core.</summary>
    DispatcherState,
    /// <summary>User-level allocator: its RAM is used up (Barrelfish keeps library errors in the same errval_t space: LIB_ERR_RAM_ALLOC).</summary>
    OutOfRam,
    /// <summary>User-level allocator: no free capability slot left (LIB_ERR_SLOT_ALLOC).</summary>
    OutOfSlots,
    /// <summary>The operation needs a core whose CPU driver has faulted (its monitor answers nothing): a capability sent to a dispatcher there, an agreement that aborted because a participant faulted (retried, an agreement leaves the faulted core out), or a RAM reservation that only a refill from the memory server on a faulted core could serve.</summary>
    CoreFaulted,
}
