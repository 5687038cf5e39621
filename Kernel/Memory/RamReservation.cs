namespace Multikernel.Memory;

/// <summary>
/// A contiguous part of a <see cref="RamCache"/>'s free RAM set aside for one caller by <see cref="RamCache.Reserve"/>:
/// no retype or reservation of the cache takes it until
/// <see cref="RamCache.CreateSpace(RamReservation, ulong, out DispatcherMemory)"/> uses it or
/// <see cref="RamCache.Unreserve"/> gives it back, whichever comes first (each ends it).
/// <para>Invariant: core-local (the cache's core); while <see cref="IsHeld"/>, its pages are in no free range and
/// no handed-out part of the cache.</para>
/// </summary>
public sealed class RamReservation
{
    internal RamReservation(RamCache cache, ulong @base, ulong bytes)
    {
        Cache = cache;
        Base = @base;
        Bytes = bytes;
    }

    public RamCache Cache { get; }
    public ulong Base { get; }
    public ulong Bytes { get; }
    /// <summary>True until the reservation is used or given back.</summary>
    public bool IsHeld { get; internal set; } = true;
}
