using System.Text;
using Multikernel.Capabilities;

namespace Multikernel.Monitor.Agreement;

/// <summary>
/// Replicated system table: for every object that has ever been shared (a copy sent to another core), its owner,
/// its holders and the cores that created descendants of it. An object no other core ever knew has no row (it is
/// owned by the core that has it). A row stays until the object or an ancestor is revoked, even when one holder is
/// left: it is what tells the core of an ancestor that descendants live elsewhere (Barrelfish's sticky
/// remote-descendants bit); holders of a row that is no longer shared see no remote relation. Changed only by 2PC (<see cref="SystemTableUpdates"/>), so all
/// replicas are equal once the agreements have completed; each core's capability driver reads its own replica
/// through <see cref="MonitorReplica"/> to decide which operations need agreement.
/// </summary>
public sealed class CapabilityOwnershipTable
{
    readonly Dictionary<CapObjectKey, OwnershipEntry> _rows = new();

    public int Count => _rows.Count;

    public bool TryGet(in CapObjectKey key, out OwnershipEntry entry) => _rows.TryGetValue(key, out entry);

    public IEnumerable<KeyValuePair<CapObjectKey, OwnershipEntry>> Rows => _rows;

    public int OwnerOf(in CapObjectKey key, int core) => _rows.TryGetValue(key, out var e) ? e.Owner : core;

    public bool IsHolder(in CapObjectKey key, int core) => _rows.TryGetValue(key, out var e) && e.Holders.Contains(core);

    /// <summary>What cores other than <paramref name="core"/> hold of the object: copies, or descendants (of it, or of anything derived from it).</summary>
    public RemoteRelations RelationsOf(in CapObjectKey key, int core) => Relations(key, core, range: null);

    /// <summary>
    /// <see cref="RelationsOf"/> for a retype of [<paramref name="first"/>, + <paramref name="bytes"/>) of the object:
    /// copies of the object and remote descendants recorded on its own row count wherever they are, a shared
    /// descendant's row only where its range overlaps the retyped one. Sound because whatever another core has of
    /// something derived from the object lies within the range of a row: the object's own, or that of the shared
    /// descendant it came from (a core derives only from what it holds).
    /// </summary>
    public RemoteRelations RelationsOfRange(in CapObjectKey key, ulong first, ulong bytes, int core) => Relations(key, core, (first, bytes));

    /// <summary>The relations of the object; with <paramref name="range"/>, a shared descendant's row counts only where it overlaps it.</summary>
    RemoteRelations Relations(in CapObjectKey key, int core, (ulong First, ulong Bytes)? range)
    {
        var r = RemoteRelations.None;
        if (_rows.Count == 0) return r;
        if (_rows.TryGetValue(key, out var e))
        {
            if (e.Holders.Without(core).Count > 0) r |= RemoteRelations.Copies;
            if (e.DescendantCores.Without(core).Count > 0) r |= RemoteRelations.Descendants;
        }
        if ((r & RemoteRelations.Descendants) == 0)
            foreach (var (k, row) in _rows)
                if ((range is not { } x || k.Overlaps(x.First, x.Bytes)) && k.IsDescendantOf(key)
                    && (row.Holders.Without(core).Count > 0 || row.DescendantCores.Without(core).Count > 0))
                {
                    r |= RemoteRelations.Descendants;
                    break;
                }
        return r;
    }

    /// <param name="fromHasDescendants">The sender has descendants of the object (made before it was shared, or while it was its only holder).</param>
    internal void AddHolder(in CapObjectKey key, int from, int to, bool fromHasDescendants)
    {
        var e = _rows.TryGetValue(key, out var row) ? row : new OwnershipEntry(from, CoreSet.Empty, CoreSet.Empty);
        _rows[key] = e with
        {
            Holders = e.Holders.With(from).With(to),
            DescendantCores = fromHasDescendants ? e.DescendantCores.With(from) : e.DescendantCores,
        };
    }

    /// <param name="hasDescendants">The core keeps descendants of the object after its last copy is gone.</param>
    internal void DropHolder(in CapObjectKey key, int core, bool hasDescendants)
    {
        if (!_rows.TryGetValue(key, out var e)) return;
        var holders = e.Holders.Without(core);
        int owner = e.Owner == core && holders.Count > 0 ? holders.ToArray()[0] : e.Owner;
        _rows[key] = new OwnershipEntry(owner, holders, hasDescendants ? e.DescendantCores.With(core) : e.DescendantCores);
    }

    internal void AddDescendantCore(in CapObjectKey key, int core)
    {
        if (!_rows.TryGetValue(key, out var e)) return; // never shared: its descendants are local
        _rows[key] = e with { DescendantCores = e.DescendantCores.With(core) };
    }

    /// <summary>
    /// The object keeps one capability, the revoker's on <paramref name="revoker"/>, and loses every descendant:
    /// its descendants' rows go; its own row (if it was ever shared) stays with the revoker as owner and only
    /// holder, so that the cores of its ancestors still see where it lives.
    /// </summary>
    internal void Revoke(in CapObjectKey key, int revoker)
    {
        List<CapObjectKey>? drop = null;
        foreach (var k in _rows.Keys) if (k.IsDescendantOf(key)) (drop ??= new()).Add(k);
        if (drop != null) foreach (var k in drop) _rows.Remove(k);
        if (_rows.ContainsKey(key)) _rows[key] = new OwnershipEntry(revoker, CoreSet.Empty.With(revoker), CoreSet.Empty);
    }

    /// <summary>The whole table as text, rows in key order (replicas are equal exactly when these are).</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        foreach (var (k, e) in _rows.OrderBy(r => r.Key.Base).ThenBy(r => r.Key.Size).ThenBy(r => r.Key.Type).ThenBy(r => r.Key.Badge))
            sb.Append(k).Append(" owner ").Append(e.Owner).Append(" holders ").Append(e.Holders).Append(" desc ").Append(e.DescendantCores).Append(';');
        return sb.ToString();
    }
}
