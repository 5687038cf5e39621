namespace Multikernel.Memory;

/// <summary>
/// The translation state of one core that a TLB shootdown changes: the step each participating core performs on its
/// own core before it acknowledges. <see cref="Tlb"/> is the modelled one (thread mode: invalidate the software TLB;
/// the page tables are shared); <see cref="HardwarePageTable"/> the real one (process mode: the core process's own
/// page table, changed with <c>mprotect</c>/<c>munmap</c>, which makes the host kernel flush this core's TLB).
/// <para>Invariant: used only on its core's thread.</para>
/// </summary>
public interface ICoreMmu
{
    /// <summary>Applies <paramref name="change"/> on this core (on the measured path of a shootdown).</summary>
    void Apply(in MmuChange change);

    /// <summary>
    /// Checks, off the measured path (after the acknowledgement has gone out), that <paramref name="change"/> took
    /// effect on this core; a failure is counted and kept, never thrown into the protocol.
    /// </summary>
    void Verify(in MmuChange change);
}
