namespace Multikernel.Capabilities;

/// <summary>
/// A CNode object: a table of capability slots, retyped from RAM (64 bytes of RAM per slot). The slots are
/// allocated once when the object is created, so no invocation allocates. Belongs to the core that retyped it.
/// </summary>
public sealed class CNode
{
    internal readonly Cte[] Slots;

    internal CNode(int slots)
    {
        Slots = new Cte[slots];
        for (int i = 0; i < slots; i++) Slots[i] = new Cte(this, i);
    }

    public int SlotCount => Slots.Length;

    /// <summary>The capability in slot <paramref name="index"/> (a read-only view for tests and diagnostics).</summary>
    public Capability this[int index] => Slots[index].Cap;
}
