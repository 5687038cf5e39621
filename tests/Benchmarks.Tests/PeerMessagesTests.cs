using Benchmarks.Suite;
using FsCheck.Xunit;
using Multikernel.Urpc;

namespace Benchmarks.Tests;

/// <summary>The benchmark protocol's messages survive a trip through the benchmark's own rings; the latency messages fill the whole line.</summary>
public class PeerMessagesTests
{
    [Property(MaxTest = 50)]
    public bool EveryMessageArrivesAsSent(ulong value, int calls)
    {
        using var rings = new PeerRings(16);
        bool Through<T>(T message) where T : struct, IUrpcMessage<T>
        {
            rings.ToPeer.Send(in message);
            var m = rings.PeerInbox.Receive();
            return m.Type == message.Type && T.Decode(in m).Equals(message);
        }
        return Through(new PeerMessages.Echo(value)) && Through(new PeerMessages.Stamp(value)) && Through(new PeerMessages.Sink(value))
            && Through(new PeerMessages.Stop()) && Through(new PeerMessages.LrpcBatch(calls)) && Through(new PeerMessages.LrpcBatchDone(value));
    }

    [Fact]
    public void LatencyMessagesFillTheLine()
    {
        var m = UrpcMessage.From(new PeerMessages.Echo(9));
        Assert.Equal([9UL, 1, 2, 3, 4, 5, 6], Enumerable.Range(0, UrpcMessage.PayloadWords).Select(i => m[i]));
    }

    [Fact]
    public void EveryMessageEncodesAndDecodesInline()
    {
        var types = typeof(PeerMessages).GetNestedTypes();
        Assert.NotEmpty(types);
        Assert.All(types, t => Assert.All(new[] { t.GetMethod("Encode")!, t.GetMethod("Decode")! },
            m => Assert.True(m.MethodImplementationFlags.HasFlag(System.Reflection.MethodImplAttributes.AggressiveInlining), $"{t.Name}.{m.Name} is not AggressiveInlining")));
    }
}
