using System.Text;

namespace Multikernel.Monitor.Agreement;

/// <summary>
/// Replicated system table: which domains run on which cores. Every monitor holds a replica; it changes only by an
/// agreement (<see cref="SystemTableUpdates.PlaceDomain"/>, <see cref="SystemTableUpdates.RemoveDomain"/>), so all
/// replicas are equal once the agreements that touched them have completed. Updates of different (domain, core) pairs
/// commute, so a domain's home core may change its own rows by 1PC, one update of a pair at a time; rows that several
/// cores change use 2PC. A row's core set is what a TLB shootdown for the domain's address space reaches.
/// <para>Applying an update allocates nothing once the table has held as many rows (a hash table that reuses freed
/// entries), so an agreement's apply step stays off the allocator.</para>
/// </summary>
public sealed class DomainPlacementTable
{
    readonly Dictionary<ulong, CoreSet> _rows = new();

    public int Count => _rows.Count;

    public CoreSet CoresOf(ulong domain) => _rows.GetValueOrDefault(domain);

    internal void Apply(in AgreementUpdate u)
    {
        int core = SystemTableUpdates.CoreOf(u);
        var cores = _rows.GetValueOrDefault(u.Key);
        cores = u.Kind == SystemTableUpdates.PlaceDomain ? cores.With(core) : cores.Without(core);
        if (cores.Count == 0) _rows.Remove(u.Key); else _rows[u.Key] = cores;
    }

    /// <summary>The whole table as text, rows in key order (replicas are equal exactly when these are).</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        foreach (var (d, c) in _rows.OrderBy(r => r.Key)) sb.Append(d).Append(':').Append(c).Append(';');
        return sb.ToString();
    }
}
