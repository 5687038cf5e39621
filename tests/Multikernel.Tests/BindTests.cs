using System.Runtime.CompilerServices;

namespace Multikernel.Tests;

/// <summary>Channels come from the monitors: bind, host bind and broadcast buffers, placed by the monitors and freed at shutdown.</summary>
public class BindTests
{
    readonly record struct Word(ulong Value) : IUrpcMessage<Word>
    {
        public byte Type => 3;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) => w[0] = Value;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Word Decode(in UrpcMessage m) => new(m[0]);
    }

    static ulong Receive(UrpcReceiver r)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        UrpcMessage m;
        while (!r.TryReceive(out m))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("nothing arrived");
            Thread.Yield();
        }
        return Word.Decode(in m).Value;
    }

    /// <summary>Every allowed CPU made to look like a NUMA node of its own, so placement is visible on any machine.</summary>
    static MachineTopology NodePerCore(IReadOnlyList<int> cpus) =>
        new(cpus.Select((cpu, i) => new CoreInfo(cpu, Package: i, NumaNode: 10 + i, L3Domain: i, CoreId: cpu)));

    [Fact]
    public async Task BindGivesEachSideOneSenderAndOneReceiverWithRingsOnTheirReceiversNodes()
    {
        var cpus = CoreAffinity.AllowedCpus();
        using var mk = MultikernelSystem.Boot(new MultikernelOptions { Topology = NodePerCore(cpus) });
        int server = mk.CoreCount - 1;
        var b = await mk.BindAsync(0, server, slots: 8);
        Assert.Equal(8, b.Slots);
        // Each ring sits on the node of the core that receives from it (the server's node for client -> server).
        Assert.Equal(10 + server, b.ToServer.NumaNode);
        Assert.Equal(10, b.ToClient.NumaNode);
        // The ends are wired crosswise: what the client sends, the server receives, and back.
        b.Client.Sender.Send(new Word(41));
        Assert.Equal(41UL, Receive(b.Server.Receiver));
        b.Server.Sender.Send(new Word(42));
        Assert.Equal(42UL, Receive(b.Client.Receiver));
        Assert.NotSame(b.Client.Sender, b.Server.Sender);
    }

    [Fact]
    public async Task HostBindIsPlacedByTheCoresMonitor()
    {
        var cpus = CoreAffinity.AllowedCpus();
        using var mk = MultikernelSystem.Boot(new MultikernelOptions { Topology = NodePerCore(cpus) });
        int core = mk.CoreCount - 1;
        var host = await mk.BindHostAsync(core, slots: 4);
        Assert.Equal(10 + core, host.ToServer.NumaNode); // the core's side receives on its own node
        Assert.Equal(-1, host.ToClient.NumaNode);       // the host is no core: first touch
        host.Client.Sender.Send(new Word(7));
        Assert.Equal(7UL, Receive(host.Server.Receiver));
    }

    [Fact]
    public async Task BroadcastBuffersArePlacedByTheWritersMonitor()
    {
        var cpus = CoreAffinity.AllowedCpus();
        Assert.SkipUnless(cpus.Count >= 2, "a broadcast buffer needs a reader core besides its writer; this process may use one core");
        using var mk = MultikernelSystem.Boot(new MultikernelOptions { Topology = NodePerCore(cpus) });
        var readers = Enumerable.Range(1, mk.CoreCount - 1).ToArray();
        var broadcast = await mk.CreateBroadcastAsync(0, readers, slots: 4);
        Assert.Equal(10, broadcast.NumaNode);
        for (int r = 0; r < readers.Length; r++) Assert.Equal(10 + readers[r], broadcast.Reader(r).NumaNode);
    }

    [Fact]
    public async Task ShutdownFreesEveryChannelTheMonitorsMade()
    {
        long before = NativeBlock.LiveBytes;
        using (var mk = MultikernelSystem.Boot())
        {
            int last = mk.CoreCount - 1;
            var a = await mk.BindAsync(0, last);
            var self = await mk.BindAsync(last, last); // binding a core to itself: both rings made at once
            await mk.BindHostAsync(0);
            if (mk.CoreCount > 1) await mk.CreateBroadcastAsync(0, [last]);
            a.Dispose(); // a holder may free its binding early; the monitor then skips it
            Assert.True(a.IsFreed);
            Assert.False(self.IsFreed);
        }
        Assert.Equal(before, NativeBlock.LiveBytes);
    }

    [Fact]
    public async Task BadBindsAreClearErrors()
    {
        using var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = [CoreAffinity.AllowedCpus()[0]] });
        var size = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => mk.BindAsync(0, 0, slots: 12));
        Assert.Contains("power of two", size.Message);
        var core = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => mk.BindAsync(0, 5));
        Assert.Contains("core index must be 0..0", core.Message);
        var reader = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => mk.CreateBroadcastAsync(0, [0]));
        Assert.Contains("reader is another booted core", reader.Message);
    }
}
