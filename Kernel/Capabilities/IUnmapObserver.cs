namespace Multikernel.Capabilities;

/// <summary>
/// Told by a <see cref="CapabilityDriver"/> every time page-table entries are cleared (an Unmap, or a delete/revoke
/// of a mapped Frame or VNode capability). The driver only edits the tables; other cores may still cache the old
/// translation until a TLB shootdown (a one-phase commit among the monitors) has run, and the frame must not be
/// reused before. Called on the driver's core, after the entries are cleared.
/// </summary>
public interface IUnmapObserver
{
    /// <param name="tableBase">Physical address of the page-table page.</param>
    /// <param name="firstEntry">First cleared entry.</param>
    /// <param name="entries">Number of consecutive cleared entries.</param>
    void EntriesCleared(ulong tableBase, int firstEntry, int entries);
}
