namespace Multikernel;

/// <summary>How the cores of a multikernel are made.</summary>
public enum BootMode
{
    /// <summary>Every core is a pinned thread of this process: one address space, one GC heap (the default; kept where an experiment needs one shared heap).</summary>
    Threads,
    /// <summary>
    /// Every core is a process of its own, confined to its core from exec on, running the same program
    /// (<see cref="MultikernelOptions.Program"/>); only the shared region (URPC memory and domains' frames) is shared.
    /// </summary>
    ProcessPerCore,
}
