using FsCheck;
using FsCheck.Fluent;
using Multikernel.Capabilities;
using Multikernel.Memory;

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
    {
        var transfer = new CapTransferMessage((ulong)n * 7919, (ulong)n, Cptr.At(n % 1000, n % 256), cap);
        var grant = new RamGrant((ulong)n, (CapError)(n % 20), cap);
        var ret = new RamReturn((ulong)n << 3, cap);
        var req = new RamRequest((ulong)n, n % 48, n % 192, (ulong)n << 12, (ulong)n << 20);
        return CapTransferMessage.Decode(transfer.Encode()) == transfer
            && RamGrant.Decode(grant.Encode()) == grant
            && RamReturn.Decode(ret.Encode()) == ret
            && RamRequest.Decode(req.Encode()) == req;
    });

    [Fact]
    public void DecodingTheWrongTypeIsRefused()
    {
        var m = new RamRequest(1, 12, 0, 0, 0).Encode();
        Assert.Throws<ArgumentException>(() => RamGrant.Decode(m));
        Assert.Throws<ArgumentException>(() => CapTransferMessage.Decode(m));
    }
}
