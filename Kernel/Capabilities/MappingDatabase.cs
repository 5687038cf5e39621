using System.Diagnostics;
using System.Text;

namespace Multikernel.Capabilities;

/// <summary>
/// One core's mapping database: the derivation tree of every capability on the core, kept as seL4 keeps it, a
/// doubly linked list in preorder, so that an object's descendants follow it contiguously. Each node stores its
/// depth (seL4 recomputes parenthood from regions and badges; storing it makes the tree explicit and costs an int).
/// <para>Invariants (checked by <see cref="Validate"/>):
/// (1) the list is consistent (Prev/Next mirror each other) and holds exactly the non-empty slots of the core;
/// (2) depth starts at 0 and grows by at most one from a node to the next;
/// (3) the capabilities of one object on this core (its copies) form one run: consecutive nodes of equal key and
///     depth; the object's descendants follow the run, deeper;
/// (4) the parent of a node (the nearest earlier node one level up) names an object the node's object derives from
///     (<see cref="CapObjectKey.IsDescendantOf"/>);
/// (5) every capability on this core to an object derived from a run's object lies in the subtree below that run
///     (so a revoke or retype that looks only at the subtree sees every local descendant).</para>
/// </summary>
internal sealed class MappingDatabase
{
    Cte? _head;
    Cte? _tail;

    public int Count { get; private set; }
    public Cte? First => _head;
    public Cte? Last => _tail;

    public void Append(Cte node, int depth) => Link(_tail, node, depth);

    public void InsertAfter(Cte anchor, Cte node, int depth) => Link(anchor, node, depth);

    public void InsertBefore(Cte anchor, Cte node, int depth)
    {
        Debug.Assert((anchor.Prev == null ? _head : anchor.Prev.Next) == anchor);
        Link(anchor.Prev, node, depth);
    }

    /// <summary>Links the unlinked <paramref name="node"/> right after <paramref name="prev"/>, or first when it is null.</summary>
    void Link(Cte? prev, Cte node, int depth)
    {
        Debug.Assert(node.Prev == null && node.Next == null && node != _head);
        var next = prev == null ? _head : prev.Next;
        node.Depth = depth;
        node.Prev = prev;
        node.Next = next;
        if (prev != null) prev.Next = node; else _head = node;
        if (next != null) next.Prev = node; else _tail = node;
        Count++;
    }

    public void Unlink(Cte node)
    {
        if (node.Prev != null) node.Prev.Next = node.Next; else _head = node.Next;
        if (node.Next != null) node.Next.Prev = node.Prev; else _tail = node.Prev;
        node.Prev = null;
        node.Next = null;
        Count--;
    }

    /// <summary>True when another capability of <paramref name="node"/>'s object sits next to it (invariant 3: the run).</summary>
    public static bool HasRunMate(Cte node) =>
        (node.Prev is { } p && p.Depth == node.Depth && p.Cap.SameObject(node.Cap))
        || (node.Next is { } n && n.Depth == node.Depth && n.Cap.SameObject(node.Cap));

    public static Cte RunStart(Cte node)
    {
        Cte s = node;
        while (s.Prev is { } p && p.Depth == node.Depth && p.Cap.SameObject(node.Cap)) s = p;
        return s;
    }

    public static Cte RunEnd(Cte node)
    {
        Cte e = node;
        while (e.Next is { } n && n.Depth == node.Depth && n.Cap.SameObject(node.Cap)) e = n;
        return e;
    }

    /// <summary>The last node of the subtree below the run ending at <paramref name="runEnd"/> (the run end itself if it has no descendants).</summary>
    public static Cte SubtreeEnd(Cte runEnd)
    {
        Cte e = runEnd;
        while (e.Next is { } n && n.Depth > runEnd.Depth) e = n;
        return e;
    }

    /// <summary>Lifts the descendants that follow <paramref name="runEnd"/> one level (their parent object is going away).</summary>
    public static void LiftSubtree(Cte runEnd)
    {
        for (Cte? n = runEnd.Next; n != null && n.Depth > runEnd.Depth; n = n.Next) n.Depth--;
    }

    /// <summary>The nearest earlier node one level up (null for a root).</summary>
    public static Cte? ParentOf(Cte node)
    {
        for (Cte? p = node.Prev; p != null; p = p.Prev)
            if (p.Depth < node.Depth) return p;
        return null;
    }

    /// <summary>Checks invariants 1-5; returns a description of the first violation, or null.</summary>
    public string? Validate()
    {
        int count = 0;
        Cte? prev = null;
        var seenRuns = new HashSet<CapObjectKey>();
        var parents = new List<Cte>(); // parents[d] = latest node at depth d
        for (Cte? n = _head; n != null; prev = n, n = n.Next)
        {
            count++;
            if (n.Prev != prev) return $"list broken before {Describe(n)}";
            if (n.Cap.Type == CapType.Null) return $"empty slot {n.Index} in the mapping database";
            if (n.Depth < 0 || n.Depth > (prev == null ? 0 : prev.Depth + 1)) return $"depth jumps to {n.Depth} at {Describe(n)}";
            bool continuesRun = prev != null && prev.Depth == n.Depth && prev.Cap.SameObject(n.Cap);
            if (!continuesRun && !seenRuns.Add(n.Cap.Key)) return $"{n.Cap.Key} appears in two runs";
            if (parents.Count > n.Depth) parents.RemoveRange(n.Depth, parents.Count - n.Depth);
            if (n.Depth > 0)
            {
                var parent = parents[n.Depth - 1];
                if (!n.Cap.Key.IsDescendantOf(parent.Cap.Key)) return $"{n.Cap.Key} sits below {parent.Cap.Key}, which it does not derive from";
            }
            parents.Add(n);
        }
        if (prev != _tail) return "tail pointer wrong";
        if (count != Count) return $"count {Count} but {count} nodes";
        for (Cte? n = _head; n != null; n = RunEnd(n).Next)
        {
            Cte end = SubtreeEnd(RunEnd(n));
            for (Cte? o = _head; o != null; o = o == n ? end.Next : o.Next)
                if (o != n && o.Cap.Key.IsDescendantOf(n.Cap.Key)) return $"{Describe(o)} derives from {Describe(n)} but lies outside its subtree";
        }
        return null;
    }

    static string Describe(Cte n) => new StringBuilder().Append(n.Cap.Key).Append(" at depth ").Append(n.Depth).ToString();
}
