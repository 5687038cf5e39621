namespace Multikernel.Memory;

/// <summary>
/// The apply step of a TLB shootdown on one core: make the core's translations of a range agree with the change the
/// shootdown carries (<see cref="MmuChange"/>). The monitors' one-phase commit calls <see cref="Apply"/> on every
/// participating core, on that core's thread, before the core acknowledges. In thread mode it is the core's software
/// <see cref="Tlb"/> (every op is an invalidation: the page tables are shared and already changed); in process mode it
/// is the core process's own page table (<see cref="HardwarePageTable"/>: a local <c>mprotect</c>/<c>munmap</c>, after
/// which the host kernel invalidates this core's TLB itself).
/// <para>Invariant: used only on its core's thread.</para>
/// </summary>
public interface ITranslationInvalidator
{
    /// <summary>Applies <paramref name="change"/> on this core (on the measured path of a shootdown).</summary>
    void Apply(in MmuChange change);

    /// <summary>
    /// Checks, off the measured path (after the acknowledgement has gone out), that <paramref name="change"/> took
    /// effect on this core; a failure is counted and kept, never thrown into the protocol.
    /// </summary>
    void Verify(in MmuChange change);
}
