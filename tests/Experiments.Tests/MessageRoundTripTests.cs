using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Fig1.SharedState;
using Multikernel.Urpc;

namespace Experiments.Tests;

/// <summary>Every typed message of the experiments' protocol families decodes to what was encoded, with its type in the header.</summary>
public class MessageRoundTripTests
{
    static bool RoundTrips<T>(T message) where T : struct, IUrpcMessage<T>
    {
        var m = UrpcMessage.From(in message);
        return m.Type == message.Type && EqualityComparer<T>.Default.Equals(T.Decode(in m), message);
    }

    [Fact]
    public void EveryMessageEncodesAndDecodesInline()
    {
        var types = new[] { typeof(UpdateProtocol).Assembly, typeof(IOWebserver.DatabaseMessages).Assembly }
            .SelectMany(a => a.GetTypes())
            .Where(t => t.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IUrpcMessage<>)))
            .ToList();
        Assert.NotEmpty(types);
        Assert.All(types, t => Assert.All(new[] { t.GetMethod("Encode")!, t.GetMethod("Decode")! },
            m => Assert.True(m.MethodImplementationFlags.HasFlag(System.Reflection.MethodImplAttributes.AggressiveInlining), $"{t.Name}.{m.Name} is not AggressiveInlining")));
    }

    [Property]
    public bool UpdateProtocolMessages(ulong tag, bool warmup, ulong first, ulong last) =>
        RoundTrips(new UpdateProtocol.Request(tag, warmup)) && RoundTrips(new UpdateProtocol.Reply(tag, first, last));

    [Property]
    public bool PairProtocolMessages(ulong stamp, int repetition, bool warmup, int sequence) =>
        RoundTrips(new PairProtocol.Ping(stamp, repetition, warmup)) && RoundTrips(new PairProtocol.Pong(stamp))
        && RoundTrips(new PairProtocol.Stream(sequence, warmup)) && RoundTrips(new PairProtocol.StreamDone(sequence));

    [Property]
    public Property DatabaseMessages()
    {
        var gen =
            from buffer in ArbMap.Default.GeneratorFor<int>()
            from item in ArbMap.Default.GeneratorFor<long>()
            from connection in ArbMap.Default.GeneratorFor<ulong>()
            from keepAlive in ArbMap.Default.GeneratorFor<bool>()
            from length in ArbMap.Default.GeneratorFor<int>()
            from status in Gen.Choose(0, 0xFFFF) // a 16-bit field
            select (Query: new IOWebserver.DatabaseMessages.Query(buffer, item, connection, keepAlive),
                    Result: new IOWebserver.DatabaseMessages.Result(buffer, length, connection, status, keepAlive));
        return Prop.ForAll(gen.ToArbitrary(), m => RoundTrips(m.Query) && RoundTrips(m.Result));
    }
}
