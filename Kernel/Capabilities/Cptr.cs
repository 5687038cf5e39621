namespace Multikernel.Capabilities;

/// <summary>
/// A capability address in a two-level CSpace, as in Barrelfish: the root (L1) CNode's slots hold L2 CNodes of
/// <see cref="L2Slots"/> slots each. An address of <see cref="Level"/> 1 names a slot of the root CNode (bits 31..8:
/// its index); one of level 2 names slot <see cref="L2"/> (bits 7..0) of the L2 CNode held in root slot <see cref="L1"/>.
/// A cptr is only a number: whether it resolves is decided by the CSpace at invocation time.
/// </summary>
public readonly record struct Cptr(uint Address, byte Level)
{
    public const int L2Bits = 8;
    /// <summary>Slots of an L2 CNode (Barrelfish's L2_CNODE_SLOTS).</summary>
    public const int L2Slots = 1 << L2Bits;
    /// <summary>Largest root index an address holds.</summary>
    public const int MaxL1 = (1 << (32 - L2Bits)) - 1;

    /// <summary>Slot <paramref name="index"/> of the root CNode.</summary>
    public static Cptr Root(int index) => (uint)index <= MaxL1 ? new((uint)index << L2Bits, 1)
        : throw new ArgumentOutOfRangeException(nameof(index), index, $"a root-CNode index is 0..{MaxL1}");

    /// <summary>Slot <paramref name="l2"/> of the L2 CNode held in root slot <paramref name="l1"/>.</summary>
    public static Cptr At(int l1, int l2)
    {
        if ((uint)l1 > MaxL1) throw new ArgumentOutOfRangeException(nameof(l1), l1, $"a root-CNode index is 0..{MaxL1}");
        if ((uint)l2 >= L2Slots) throw new ArgumentOutOfRangeException(nameof(l2), l2, $"an L2-CNode index is 0..{L2Slots - 1}");
        return new(((uint)l1 << L2Bits) | (uint)l2, 2);
    }

    public int L1 => (int)(Address >> L2Bits);
    public int L2 => (int)(Address & (L2Slots - 1));

    /// <summary>The address as one message word (level in bits 39..32).</summary>
    public ulong Pack() => (ulong)Level << 32 | Address;
    public static Cptr Unpack(ulong w) => new((uint)w, (byte)(w >> 32));

    public override string ToString() => Level == 1 ? $"cptr[{L1}]" : $"cptr[{L1}][{L2}]";
}
