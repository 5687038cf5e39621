using System.Text;

namespace Multikernel.Monitor.Agreement;

/// <summary>
/// Replicated system table: which entries of the root page table of each address space shared by several cores hold
/// a page table, and which (its physical address). Every monitor holds a replica; it changes only by two-phase
/// commit (<see cref="SystemTableUpdates.InsertRootTable"/>, <see cref="SystemTableUpdates.ReleaseSpace"/>): a core
/// votes no on an insert into an entry its replica already lists, so no two cores ever link different tables into
/// the same root entry, and all replicas are equal once the agreements have completed.
/// </summary>
public sealed class AddressSpaceTable
{
    readonly Dictionary<(ulong Space, int Entry), ulong> _rows = new();

    public int Count => _rows.Count;

    public bool TryGet(ulong space, int entry, out ulong table) => _rows.TryGetValue((space, entry), out table);

    internal void Insert(ulong space, int entry, ulong table) => _rows[(space, entry)] = table;

    internal void Release(ulong space)
    {
        foreach (var key in _rows.Keys.Where(k => k.Space == space).ToArray()) _rows.Remove(key);
    }

    /// <summary>The whole table as text, rows in key order (replicas are equal exactly when these are).</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        foreach (var (k, table) in _rows.OrderBy(r => r.Key.Space).ThenBy(r => r.Key.Entry))
            sb.Append(k.Space).Append('[').Append(k.Entry).Append("]=0x").Append(table.ToString("x")).Append(';');
        return sb.ToString();
    }
}
