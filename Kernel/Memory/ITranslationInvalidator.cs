namespace Multikernel.Memory;

/// <summary>
/// The apply step of a TLB shootdown on one core: make the core stop using translations of <c>pages</c> pages from
/// <c>va</c> in address space <c>spaceId</c>. The monitors' one-phase commit calls it on every participating core,
/// on that core's thread, before the core acknowledges. In thread mode it is the core's software <see cref="Tlb"/>; a
/// process-per-core mode can apply it as a local <c>mprotect</c>/<c>munmap</c> of the core process's own mapping.
/// </summary>
public interface ITranslationInvalidator
{
    void InvalidateRange(ulong spaceId, ulong va, long pages);
}
