
namespace Multikernel.Tests.Net;

/// <summary>The ring's geometry is checked before any socket is made (so these run without privileges).</summary>
public class PacketRingOptionsTests
{
    [Theory]
    [InlineData(nameof(PacketRingOptions.RxBlockSize), "multiple of 4096")]
    [InlineData(nameof(PacketRingOptions.TxFrameSize), "power of two")]
    [InlineData(nameof(PacketRingOptions.TxFrameCount), "slots per transmit block")]
    [InlineData(nameof(PacketRingOptions.RetireTimeoutMs), "1 to 1000 ms")]
    [InlineData(nameof(PacketRingOptions.RxFrameSize), "power of two")]
    public void BadGeometryIsRefusedNamingTheOptionAndTheRule(string option, string rule)
    {
        var o = option switch
        {
            nameof(PacketRingOptions.RxBlockSize) => new PacketRingOptions { RxBlockSize = 5000 },
            nameof(PacketRingOptions.TxFrameSize) => new PacketRingOptions { TxFrameSize = 3000 },
            nameof(PacketRingOptions.TxFrameCount) => new PacketRingOptions { TxFrameCount = 33 },
            nameof(PacketRingOptions.RetireTimeoutMs) => new PacketRingOptions { RetireTimeoutMs = 0 },
            _ => new PacketRingOptions { RxFrameSize = 3000 },
        };
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => PacketRing.Open("mkn0", o));
        Assert.Equal(option, e.ParamName);
        Assert.Contains(rule, e.Message);
    }

    [Fact]
    public void AnInterfaceNameLongerThanTheKernelAllowsIsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => PacketRing.Open("a-name-of-16-chr"));
        Assert.Contains("1 to 15 characters", e.Message);
    }
}
