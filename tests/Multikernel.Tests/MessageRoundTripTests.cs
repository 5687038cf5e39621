using FsCheck.Xunit;
using Multikernel.Drivers;

namespace Multikernel.Tests;

/// <summary>
/// Every typed message of every kernel protocol family comes back equal after it has been encoded into a real ring
/// slot and decoded from the received message, with its type in the slot header; the slot is reused, so words a
/// message does not use hold the previous message's, which its Decode must ignore.
/// </summary>
public class MessageRoundTripTests
{
    /// <summary>Sends <paramref name="message"/> through a 2-slot ring (after a full line of noise in the same slot) and decodes it.</summary>
    internal static bool RoundTrips<T>(T message) where T : struct, IUrpcMessage<T>
    {
        using var ring = UrpcRing.Allocate(2);
        var noise = new UrpcMessage { Type = 0xEE };
        for (int i = 0; i < UrpcMessage.PayloadWords; i++) noise.Payload[i] = 0xA5A5_A5A5_A5A5_A5A5UL ^ (ulong)i;
        for (int lap = 0; lap < 2; lap++)
        {
            if (!ring.Sender.TrySend(in noise) || !ring.Receiver.TryReceive(out _)) return false;
        }
        if (!ring.Sender.TrySend(in message) || !ring.Receiver.TryReceive(out var m)) return false;
        var raw = UrpcMessage.From(in message);
        return m.Type == message.Type && raw.Type == message.Type
            && EqualityComparer<T>.Default.Equals(T.Decode(in m), message)
            && EqualityComparer<T>.Default.Equals(T.Decode(in raw), message);
    }

    [Property]
    public bool MonitorMessages(ulong token, int core, long image, int coreIndex, int slot, long error, int slots) =>
        RoundTrips(new MonitorMessages.Ping(token, core))
        && RoundTrips(new MonitorMessages.Pong(token, core))
        && RoundTrips(new MonitorMessages.SpawnRequest(token, (nint)image))
        && RoundTrips(new MonitorMessages.SpawnReply(token, new DispatcherId(coreIndex, slot), (nint)error))
        && RoundTrips(new MonitorMessages.HostCall((nint)image))
        && RoundTrips(new MonitorMessages.Shutdown())
        && RoundTrips(new MonitorMessages.BindRequest(token, slots))
        && RoundTrips(new MonitorMessages.BindReply(token, (nint)image, (nint)error));

    [Property]
    public bool DomainMessages(int slot, long handle) =>
        RoundTrips(new Domains.DomainMessages.Wake(slot))
        && RoundTrips(new Domains.DomainMessages.SpawnThread((nint)handle))
        && RoundTrips(new Domains.DomainMessages.Stop())
        && RoundTrips(new Domains.DomainMessages.Stopped())
        && RoundTrips(new Domains.DomainMessages.HostStartMain((nint)handle))
        && RoundTrips(new Domains.DomainMessages.HostStop((nint)handle));

    [Property]
    public bool ForkJoinMessages(int master, int slot, uint seq, int first, int end) =>
        RoundTrips(new ParallelLoops.ForkJoinMessages.Fork(slot, seq, first, end))
        && RoundTrips(new ParallelLoops.ForkJoinMessages.StealRequest(master, slot, seq))
        && RoundTrips(new ParallelLoops.ForkJoinMessages.StealReply(master, slot, seq, first, end))
        && RoundTrips(new ParallelLoops.ForkJoinMessages.Finished(slot, seq));

    [Property]
    public bool NicMessages(int buffer, int length, ulong flow, int offset) =>
        RoundTrips(new Drivers.NicMessages.Rx(buffer, length, flow))
        && RoundTrips(new Drivers.NicMessages.Tx(buffer, length, flow, offset))
        && RoundTrips(new Drivers.NicMessages.RxDone(buffer, flow))
        && RoundTrips(new Drivers.NicMessages.TxDone(buffer, flow))
        && RoundTrips(new Drivers.NicMessages.Open(flow))
        && RoundTrips(new Drivers.NicMessages.Closed(flow))
        && RoundTrips(new Drivers.NicMessages.ReadEnd(flow))
        && RoundTrips(new Drivers.NicMessages.Close(flow));

    [Property]
    public bool FrameMessages(int block, int offset, int length, byte flags, int buffer, int[] indices)
    {
        var batch = new Multikernel.Net.Cores.FrameIndexBatch();
        foreach (int i in indices.Take(Multikernel.Net.Cores.FrameIndexBatch.Capacity)) batch.Add(i & int.MaxValue);
        return RoundTrips(new Multikernel.Net.Cores.FrameMessages.Rx(new Multikernel.Net.Nic.RxFrame(block, offset, length, (Multikernel.Net.RxFrameFlags)flags)))
            && RoundTrips(new Multikernel.Net.Cores.FrameMessages.Tx(buffer, length))
            && RoundTrips(new Multikernel.Net.Cores.FrameMessages.RxRelease(batch))
            && RoundTrips(new Multikernel.Net.Cores.FrameMessages.TxDone(batch))
            && RoundTrips(new Multikernel.Net.Cores.FrameMessages.TxDone(new Multikernel.Net.Cores.FrameIndexBatch()));
    }

    [Fact]
    public void AFrameIndexBatchRefusesAnIndexBeyondItsCapacity()
    {
        var batch = new Multikernel.Net.Cores.FrameIndexBatch();
        for (int i = 0; i < Multikernel.Net.Cores.FrameIndexBatch.Capacity; i++) Assert.True(batch.Add(i));
        Assert.True(batch.IsFull);
        Assert.False(batch.Add(99));
        Assert.Equal(Multikernel.Net.Cores.FrameIndexBatch.Capacity, batch.Count);
        Assert.Equal(Multikernel.Net.Cores.FrameIndexBatch.Capacity - 1, batch[Multikernel.Net.Cores.FrameIndexBatch.Capacity - 1]);
    }

    /// <summary>A batch message whose count word is corrupt (beyond the capacity, or negative as an int) decodes to at
    /// most <see cref="Multikernel.Net.Cores.FrameIndexBatch.Capacity"/> indices, never past the message's words.</summary>
    [Theory]
    [InlineData(13UL)]
    [InlineData(1000UL)]
    [InlineData(ulong.MaxValue)]
    public void AFrameIndexBatchWithACorruptCountDecodesAtMostItsCapacity(ulong count)
    {
        var m = new UrpcMessage();
        m.Payload[0] = count;
        for (int i = 1; i < UrpcMessage.PayloadWords; i++) m.Payload[i] = (ulong)(2 * i) << 32 | (uint)(2 * i - 1);
        var batch = Multikernel.Net.Cores.FrameIndexBatch.Decode(in m);
        Assert.Equal(Multikernel.Net.Cores.FrameIndexBatch.Capacity, batch.Count);
        Assert.Equal(Multikernel.Net.Cores.FrameIndexBatch.Capacity, batch[Multikernel.Net.Cores.FrameIndexBatch.Capacity - 1]);
    }

    /// <summary>Every message type in <paramref name="assembly"/> whose Encode or Decode the JIT would be free not to inline.</summary>
    internal static IEnumerable<string> NotInlined(System.Reflection.Assembly assembly) =>
        from t in assembly.GetTypes()
        where t.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IUrpcMessage<>))
        from name in new[] { "Encode", "Decode" }
        let m = t.GetMethod(name)!
        where (m.MethodImplementationFlags & System.Reflection.MethodImplAttributes.AggressiveInlining) == 0
        select $"{t.FullName}.{name}";

    [Fact]
    public void EveryKernelMessageEncodesAndDecodesInline() =>
        Assert.Empty(NotInlined(typeof(MultikernelSystem).Assembly));

    [Fact]
    public void EveryFamilyKeepsItsTypesApart()
    {
        byte[] monitor = [Monitor.MonitorMessages.Ping.TypeId, Monitor.MonitorMessages.Pong.TypeId, Monitor.MonitorMessages.SpawnRequest.TypeId,
            Monitor.MonitorMessages.SpawnReply.TypeId, Monitor.MonitorMessages.BindRequest.TypeId, Monitor.MonitorMessages.BindReply.TypeId];
        // The monitor's extensions: the agreement (whose 1PC is also the TLB shootdown) and capability delivery.
        byte[] extensions = [Monitor.Agreement.AgreementMessages.Apply, Monitor.Agreement.AgreementMessages.Prepare, Monitor.Agreement.AgreementMessages.Commit,
            Monitor.Agreement.AgreementMessages.Abort, Monitor.Agreement.AgreementMessages.Vote, Monitor.Agreement.AgreementMessages.Ack,
            Capabilities.CapabilityMessages.Transfer.TypeId, Capabilities.CapabilityMessages.Delivered.TypeId];
        byte[] domain = [Domains.DomainMessages.Wake.TypeId, Domains.DomainMessages.SpawnThread.TypeId, Domains.DomainMessages.Stop.TypeId, Domains.DomainMessages.Stopped.TypeId];
        var forkJoin = ParallelLoops.ForkJoinMessages.Types.ToArray();
        // Monitor bindings carry the monitor protocol and its extensions; domain bindings carry the domain's and its layers'.
        Assert.Equal(monitor.Length + extensions.Length, monitor.Concat(extensions).Distinct().Count());
        Assert.All(monitor, t => Assert.True(t < Monitor.MonitorMessages.FirstExtension));
        Assert.All(extensions, t => Assert.True(t >= Monitor.MonitorMessages.FirstExtension));
        Assert.Equal(domain.Length + forkJoin.Length, domain.Concat(forkJoin).Distinct().Count());
        Assert.All(domain, t => Assert.True(t < Domains.DomainMessages.FirstLayerType));
        Assert.All(forkJoin, t => Assert.True(t >= Domains.DomainMessages.FirstLayerType));
    }
}
