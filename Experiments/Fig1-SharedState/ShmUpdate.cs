namespace Fig1.SharedState;

/// <summary>How an SHM thread updates a shared line.</summary>
public enum ShmUpdate
{
    /// <summary>
    /// The paper's SHMn: a plain read-modify-write of each line (a load and a store, no lock prefix), "without
    /// locking". Racy by design: concurrent increments of one line can be lost, so the final count is not exact.
    /// </summary>
    Plain,
    /// <summary>SHMn-atomic: one atomic increment (<c>lock inc</c>) per line; nothing is lost.</summary>
    Atomic,
}
