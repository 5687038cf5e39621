using Multikernel.Capabilities;

namespace Multikernel.Memory;

/// <summary>
/// User-level bookkeeping of free capability slots (Barrelfish's <c>slot_alloc</c>): hands out the slots of the
/// L2 CNodes held in the given root slots of one CSpace. It only remembers which slots it gave out; whether a slot
/// is really empty is checked by the CPU driver at each invocation.
/// <para>Invariant: a slot is either free here or handed out, never both; used by the dispatcher that owns the
/// CSpace, on its core.</para>
/// </summary>
public sealed class SlotAllocator
{
    readonly int[] _cnodes;
    readonly Stack<int> _free = new();
    readonly bool[] _taken;

    public int Capacity => _taken.Length;
    public int FreeSlots => _free.Count;

    /// <param name="l2CNodes">Root-slot indices (0..<see cref="Cptr.MaxL1"/>, each once) of L2 CNodes (each <see cref="Cptr.L2Slots"/> slots) whose slots this allocator owns.</param>
    public SlotAllocator(params int[] l2CNodes)
    {
        ArgumentNullException.ThrowIfNull(l2CNodes);
        if (l2CNodes.Length == 0) throw new ArgumentException("a slot allocator needs at least one L2 CNode", nameof(l2CNodes));
        foreach (int l1 in l2CNodes)
            if ((uint)l1 > Cptr.MaxL1) throw new ArgumentOutOfRangeException(nameof(l2CNodes), l1, $"a root-CNode index is 0..{Cptr.MaxL1}");
        if (l2CNodes.Distinct().Count() != l2CNodes.Length)
            throw new ArgumentException($"root slots {string.Join(", ", l2CNodes)} name an L2 CNode twice: its slots would be handed out twice", nameof(l2CNodes));
        _cnodes = (int[])l2CNodes.Clone();
        _taken = new bool[_cnodes.Length * Cptr.L2Slots];
        for (int i = _taken.Length - 1; i >= 0; i--) _free.Push(i);
    }

    public bool TryAlloc(out Cptr slot)
    {
        if (_free.Count == 0) { slot = default; return false; }
        int i = _free.Pop();
        _taken[i] = true;
        slot = Cptr.At(_cnodes[i / Cptr.L2Slots], i % Cptr.L2Slots);
        return true;
    }

    public void Free(Cptr slot)
    {
        int k = Array.IndexOf(_cnodes, slot.L1);
        if (slot.Level != 2 || k < 0) throw new ArgumentException($"{slot} is not a slot of this allocator's CNodes", nameof(slot));
        int i = k * Cptr.L2Slots + slot.L2;
        if (!_taken[i]) throw new InvalidOperationException($"{slot} is already free (double free)");
        _taken[i] = false;
        _free.Push(i);
    }
}
