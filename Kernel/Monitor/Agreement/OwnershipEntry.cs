namespace Multikernel.Monitor.Agreement;

/// <summary>
/// One row of the capability ownership table: the core that owns a shared object, the cores that hold copies of it,
/// and the cores that have created descendants of it (kept until the object is revoked: a conservative record,
/// like Barrelfish's remote-descendants bit).
/// </summary>
public readonly record struct OwnershipEntry(int Owner, CoreSet Holders, CoreSet DescendantCores);
