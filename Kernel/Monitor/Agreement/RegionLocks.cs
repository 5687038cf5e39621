namespace Multikernel.Monitor.Agreement;

/// <summary>
/// The locks a replica holds for prepared 2PC updates: per table, a range of keys (a physical range for capability
/// updates, one key for the domain table). Two updates conflict when their ranges in the same table overlap; a
/// prepare that meets a conflicting lock votes no at once (no waiting, so no deadlock).
/// </summary>
internal sealed class RegionLocks
{
    readonly List<(AgreementTag Tag, byte Table, ulong First, ulong Length)> _held = new();

    public int Count => _held.Count;

    public bool Overlaps(byte table, ulong first, ulong length)
    {
        foreach (var l in _held)
            if (l.Table == table && l.First < first + length && first < l.First + l.Length) return true;
        return false;
    }

    public void Add(AgreementTag tag, byte table, ulong first, ulong length) => _held.Add((tag, table, first, length));

    public void Release(AgreementTag tag)
    {
        for (int i = _held.Count - 1; i >= 0; i--)
            if (_held[i].Tag == tag) _held.RemoveAt(i);
    }
}
