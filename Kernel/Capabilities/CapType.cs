namespace Multikernel.Capabilities;

/// <summary>
/// The kinds of kernel object a capability can name (seL4's and Barrelfish's object types, the subset this kernel
/// needs). Memory types name a range of physical memory; <see cref="Endpoint"/> names a dispatcher that accepts
/// calls. The four VNode types are the four x86-64 page-table levels, each its own type as in Barrelfish, so a table
/// can only ever be linked at the level it was retyped for.
/// </summary>
public enum CapType : byte
{
    /// <summary>An empty slot.</summary>
    Null = 0,
    /// <summary>Untyped physical memory (seL4's Untyped): can be retyped into any memory object, including smaller RAM.</summary>
    Ram = 1,
    /// <summary>Physical memory that may be mapped into an address space: a multiple of 4 KiB.</summary>
    Frame = 2,
    /// <summary>A table of capability slots (64 bytes of memory per slot); a CSpace is a tree of them.</summary>
    CNode = 3,
    /// <summary>Top-level page table (PML4, level 3): entries link <see cref="VNodePdpt"/> tables.</summary>
    VNodePml4 = 4,
    /// <summary>Level-2 page table (PDPT): entries link <see cref="VNodePdir"/> tables.</summary>
    VNodePdpt = 5,
    /// <summary>Level-1 page table (page directory): entries link <see cref="VNodePtable"/> tables.</summary>
    VNodePdir = 6,
    /// <summary>Last-level page table: entries map <see cref="Frame"/>s.</summary>
    VNodePtable = 7,
    /// <summary>A dispatcher control block (one page); the running dispatcher it describes is attached with <c>SetupDispatcher</c>.</summary>
    Dispatcher = 8,
    /// <summary>The right to call a dispatcher (LRPC on its core, URPC from elsewhere); retyped from its Dispatcher cap, badged by Mint.</summary>
    Endpoint = 9,
}
