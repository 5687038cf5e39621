using System.Buffers.Binary;
using System.Diagnostics;

namespace Multikernel.Tests.Net;

/// <summary>
/// The ring's descriptor handling against the real kernel: a tiny receive ring on the server end of a wire in the
/// test's own namespaces, fed with raw Ethernet frames (local experimental ethertype 0x88B5, each carrying a sequence
/// number) that a second ring on the far end transmits. Needs root and iproute2; skipped with the fix otherwise.
/// </summary>
public class PacketRingOnWireTests
{
    const ushort TestEthertype = 0x88B5;
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(3);

    sealed class TwoRings : IDisposable
    {
        public VethWire Wire { get; }
        public PacketRing Server { get; }
        public PacketRing Far { get; }

        public TwoRings(byte subnet, PacketRingOptions serverOptions)
        {
            Wire = VethWire.Create(subnet);
            try
            {
                Server = Wire.RunInServerNamespace(() => PacketRing.Open(VethWire.ServerInterface, serverOptions));
                Far = Wire.RunInFarNamespace(() => PacketRing.Open(VethWire.FarInterface, new PacketRingOptions { Version = PacketRingVersion.V2, RxBlockCount = 2 }));
            }
            catch
            {
                Server?.Dispose();
                Wire.Dispose();
                throw;
            }
        }

        /// <summary>Sends one 60-byte frame to the server end carrying <paramref name="sequence"/>.</summary>
        public void Send(int sequence)
        {
            Span<byte> f = Far.BeginFrame();
            Assert.False(f.IsEmpty, "the far ring has no free transmit slot");
            f[..60].Clear();
            Wire.ServerMac.Write(f);
            Wire.FarMac.Write(f[6..]);
            BinaryPrimitives.WriteUInt16BigEndian(f[12..], TestEthertype);
            BinaryPrimitives.WriteInt32BigEndian(f[14..], sequence);
            Far.CommitFrame(60);
            Far.Kick();
        }

        /// <summary>The next test frame the server ring hands out (other frames are released unseen), or null after <see cref="Patience"/>.</summary>
        public (RxFrame Frame, int Sequence)? Receive(TimeSpan? patience = null)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < (patience ?? Patience))
            {
                if (!Server.TryReceive(out RxFrame frame))
                {
                    Thread.Sleep(1);
                    continue;
                }
                ReadOnlySpan<byte> bytes = Server.Frame(frame);
                if (bytes.Length >= 18 && BinaryPrimitives.ReadUInt16BigEndian(bytes[12..]) == TestEthertype)
                    return (frame, BinaryPrimitives.ReadInt32BigEndian(bytes[14..]));
                Server.Release(frame);
            }
            return null;
        }

        /// <summary>Sends frame <paramref name="sequence"/> and waits until the kernel hands a receive block over (not yet
        /// taken): returns that block, which the kernel writes nothing into until the driver gives it back.</summary>
        public unsafe byte* HandedOverBlock(int sequence)
        {
            Send(sequence);
            var clock = Stopwatch.StartNew();
            while (!Server.HasReceived && clock.Elapsed < Patience) Thread.Sleep(1);
            Assert.True(Server.HasReceived, $"no block was handed over after frame {sequence}");
            for (int b = 0; b < Server.Options.RxBlockCount; b++)
            {
                byte* block = Server.ReceiveRingStart + (nint)b * Server.Options.RxBlockSize;
                if ((Volatile.Read(ref *(uint*)(block + 8)) & 1) != 0) return block; // block_status & TP_STATUS_USER
            }
            throw new Xunit.Sdk.XunitException("the ring reports a frame but no block is the driver's");
        }

        /// <summary>Sends frame <paramref name="sequence"/> from the far end and takes it from the server's ring.</summary>
        public RxFrame SendAndReceive(int sequence)
        {
            Send(sequence);
            var f = Receive() ?? throw new Xunit.Sdk.XunitException($"frame {sequence} never arrived");
            Assert.Equal(sequence, f.Sequence);
            return f.Frame;
        }

        /// <summary>
        /// With <paramref name="held"/> still held by the driver and the ring wrapped around to its <paramref name="unit"/>
        /// (slot or block), nothing is handed out and nothing reported received; once it is released, frame
        /// <paramref name="next"/> arrives.
        /// </summary>
        public void HeldIsNotHandedOutAgainThenTheRingRunsOn(RxFrame held, string unit, int next)
        {
            var again = Receive(TimeSpan.FromMilliseconds(200));
            Assert.True(again == null, $"frame {again?.Sequence} was handed out again from a {unit} the driver still holds");
            Assert.False(Server.HasReceived, $"the ring reports a frame while its next {unit} is still held by the driver");
            Server.Release(held);
            SendAndReceive(next);
        }

        public void Dispose()
        {
            Far.Dispose();
            Server.Dispose();
            Wire.Dispose();
            Assert.False(NetNamespace.Exists(Wire.ServerNamespace) || NetNamespace.Exists(Wire.FarNamespace), "the wire's namespaces are left behind");
        }
    }

    /// <summary>
    /// V2: the driver holds slot 0's frame while the other three slots come and go. Wrapping around to slot 0, whose
    /// status word still says TP_STATUS_USER because the driver has not given it back, must not hand out that frame
    /// a second time; once released, the ring runs on.
    /// </summary>
    [Fact]
    public void AV2SlotStillHeldIsNotHandedOutAgainWhenTheRingWrapsToIt()
    {
        StackOnWire.SkipUnlessAvailable();
        using var rings = new TwoRings(84, new PacketRingOptions { Version = PacketRingVersion.V2, RxBlockSize = 4096, RxFrameSize = 2048, RxBlockCount = 2 });
        var held = rings.SendAndReceive(0);
        for (int i = 1; i < 4; i++) rings.Server.Release(rings.SendAndReceive(i));
        rings.HeldIsNotHandedOutAgainThenTheRingRunsOn(held, "slot", next: 4);
    }

    /// <summary>
    /// V3: the driver holds a frame of block 0 while block 1 is taken and given back. Wrapping around to block 0,
    /// whose block status still says TP_STATUS_USER, must not open it again (handing its frames out twice and
    /// overwriting the count of frames still out); once released, the ring runs on.
    /// </summary>
    [Fact]
    public void AV3BlockStillHeldIsNotOpenedAgainWhenTheRingWrapsToIt()
    {
        StackOnWire.SkipUnlessAvailable();
        using var rings = new TwoRings(85, new PacketRingOptions { Version = PacketRingVersion.V3, RxBlockSize = 4096, RxBlockCount = 2, RetireTimeoutMs = 1 });
        var held = rings.SendAndReceive(0);
        Assert.Equal(0, held.Block);
        var second = rings.SendAndReceive(1);
        Assert.Equal(1, second.Block);
        rings.Server.Release(second);
        rings.HeldIsNotHandedOutAgainThenTheRingRunsOn(held, "block", next: 2);
    }

    /// <summary>
    /// V3: a block whose descriptor is not what a sound kernel writes must not be walked beyond the block's real frames.
    /// First the last header's next offset is 0 and the count 3 higher: each real frame is handed out once, the rest of
    /// the block is dropped and counted, and the block goes back when those frames are released. Then a count of
    /// 100,000 (no 4 KiB block holds that many frames): the whole block is dropped and counted. The ring runs on.
    /// </summary>
    [Fact]
    public unsafe void AV3BlockWhoseDescriptorLeadsNowhereIsCutNotWalkedOnAndTheRingRunsOn()
    {
        StackOnWire.SkipUnlessAvailable();
        using var rings = new TwoRings(83, new PacketRingOptions { Version = PacketRingVersion.V3, RxBlockSize = 4096, RxBlockCount = 2, RetireTimeoutMs = 1 });

        byte* block = rings.HandedOverBlock(0);
        uint real = *(uint*)(block + 12);                      // num_pkts
        byte* last = block + *(uint*)(block + 16);             // offset_to_first_pkt
        for (uint i = 1; i < real; i++) last += *(uint*)last;  // tp_next_offset
        *(uint*)last = 0;
        *(uint*)(block + 12) = real + 3;
        var taken = new List<RxFrame>();
        while (taken.Count <= real + 3 && rings.Server.TryReceive(out RxFrame f)) taken.Add(f);
        Assert.True(taken.Count == real, $"the block holds {real} frame(s) and {taken.Count} were handed out");
        Assert.Equal(1, rings.Server.RxBlocksCut);
        foreach (var f in taken) rings.Server.Release(f);

        block = rings.HandedOverBlock(1);
        *(uint*)(block + 12) = 100_000;
        Assert.False(rings.Server.TryReceive(out RxFrame extra), $"a frame was handed out of a block that claims 100,000 (block {extra.Block}, offset {extra.Offset})");
        Assert.Equal(2, rings.Server.RxBlocksCut);
        rings.Server.Release(rings.SendAndReceive(2));
    }
}
