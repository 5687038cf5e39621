namespace Multikernel.CpuDriver;

/// <summary>Names a dispatcher system-wide: the core index it lives on and its slot in that core's dispatcher table.</summary>
public readonly record struct DispatcherId(int CoreIndex, int Slot)
{
    public ulong Pack() => ((ulong)(uint)CoreIndex << 32) | (uint)Slot;
    public static DispatcherId Unpack(ulong w) => new((int)(w >> 32), (int)(uint)w);
    public override string ToString() => $"dispatcher {Slot} on core #{CoreIndex}";
}
