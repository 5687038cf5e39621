
namespace Multikernel.Tests;

/// <summary>The capability-related message families round-trip through their seven words.</summary>
public class CapabilityMessageTests
{
    static Gen<SerializedCap> Caps =>
        from type in Gen.Elements(CapType.Ram, CapType.Frame, CapType.Endpoint)
        from basePage in Gen.Choose(0, int.MaxValue)
        from pages in Gen.Choose(1, int.MaxValue)
        from badge in Gen.Choose(0, (int)CapObjectKey.MaxBadge)
        from rights in Gen.Choose(0, 15)
        from owner in Gen.Choose(0, 191)
        select new SerializedCap(new CapObjectKey(type, (ulong)basePage << 12, (ulong)pages << 12, (uint)badge), (CapRights)rights, owner);

    [FsCheck.Xunit.Property]
    public Property SerializedCapabilitiesRoundTrip() => Prop.ForAll(Caps.ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (cap, n) =>
        MessageRoundTripTests.RoundTrips(new CapabilityMessages.Transfer((ulong)n * 7919, (ulong)n, Cptr.At(n % 1000, n % 256), cap))
        && MessageRoundTripTests.RoundTrips(new CapabilityMessages.Delivered((ulong)n, (CapError)(n % 28)))
        && MessageRoundTripTests.RoundTrips(new MemoryServerMessages.RamGrant((ulong)n, (CapError)(n % 20), cap))
        && MessageRoundTripTests.RoundTrips(new MemoryServerMessages.RamRequest((ulong)n, n % 48, n % 192, Cptr.At(n % 1000, n % 256))));
}
