using System.Net;
using System.Net.Sockets;
using Multikernel.Drivers;
using Multikernel.Hardware;

namespace Multikernel.Tests;

/// <summary>
/// The UDP NIC driver's run upcall called in process on a loopback socket, with the test as the stack on the other
/// ends of two URPC rings (no cores, no root).
/// </summary>
public class UdpNicDriverTests
{
    /// <summary>
    /// A server's stated maximum holds to the byte: the pool rounds a 1400-byte buffer up to 1408 (whole cache lines),
    /// and a 1401-byte datagram, which would fit that buffer, is still dropped and counted, never passed on; one of
    /// 1400 bytes goes to the stack whole. A maximum the buffers cannot hold is refused.
    /// </summary>
    /// <summary>A started driver on a loopback socket, its pool and the stack's ends of its two rings.</summary>
    sealed class Rig : IDisposable
    {
        public readonly Socket Server = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        public readonly PacketPool Pool;
        public readonly UrpcRing ToStack = UrpcRing.Allocate(16), FromStack = UrpcRing.Allocate(16);
        public readonly UdpNicDriver Driver;
        readonly List<Socket> _clients = [];

        public Rig(int buffers, int bufferSize, int? maxDatagram = null)
        {
            Server.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            Pool = new PacketPool(buffers, bufferSize);
            Driver = new UdpNicDriver(Server, Pool, new UrpcEndpoint(ToStack.Sender, FromStack.Receiver), maxDatagram);
            Driver.OnStart();
        }

        /// <summary>A client socket connected to the driver's socket.</summary>
        public Socket Client()
        {
            var c = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            _clients.Add(c);
            c.Connect(Server.LocalEndPoint!);
            return c;
        }

        /// <summary>Runs the driver until <paramref name="count"/> datagrams have been read (passed on or dropped; bounded).</summary>
        public void RunUntilRead(int count)
        {
            // Loopback queues a datagram at the receiver before send returns; a few rounds read them all.
            for (int round = 0; round < 1000 && Driver.Received + Driver.Oversized < count; round++)
            {
                TestContext.Current.CancellationToken.ThrowIfCancellationRequested();
                Driver.Run();
            }
        }

        /// <summary>The next descriptor the driver sent the stack.</summary>
        public NicMessages.Rx NextRx()
        {
            Assert.True(ToStack.Receiver.TryReceive(out UrpcMessage m), "the driver passed no datagram on");
            return NicMessages.Rx.Decode(in m);
        }

        public void Dispose()
        {
            Driver.OnStop();
            foreach (var c in _clients) c.Dispose();
            Server.Dispose();
            ToStack.Dispose();
            FromStack.Dispose();
            Pool.Dispose();
        }
    }

    /// <summary>
    /// A server's stated maximum holds to the byte: the pool rounds a 1400-byte buffer up to 1408 (whole cache lines),
    /// and a 1401-byte datagram, which would fit that buffer, is still dropped and counted, never passed on; one of
    /// 1400 bytes goes to the stack whole. A maximum the buffers cannot hold is refused.
    /// </summary>
    [Fact]
    public void ADatagramLongerThanTheStatedMaximumIsDroppedThoughItFitsTheRoundedBuffer()
    {
        using var rig = new Rig(4, 1400, maxDatagram: 1400);
        Assert.True(rig.Pool.BufferSize > 1400);
        var client = rig.Client();
        client.Send(new byte[1401]);
        client.Send(new byte[1400]);
        rig.RunUntilRead(2);

        Assert.Equal(1L, rig.Driver.Oversized);
        Assert.Equal(1L, rig.Driver.Received);
        Assert.Equal(1400, rig.NextRx().Length);
        Assert.False(rig.ToStack.Receiver.TryReceive(out _));
        Assert.Equal(3, rig.Pool.Available); // the dropped datagram's buffer is free again; the passed one is out
        Assert.Throws<ArgumentOutOfRangeException>(() => new UdpNicDriver(rig.Server, rig.Pool, new UrpcEndpoint(rig.ToStack.Sender, rig.FromStack.Receiver), rig.Pool.BufferSize + 1));
    }

    /// <summary>
    /// Each reply goes to the sender of the datagram whose buffer it was built in (two clients, two buffers), a reply may
    /// fill its whole buffer, and every buffer is free again once the replies are sent.
    /// </summary>
    [Fact]
    public void EachReplyGoesToItsOwnDatagramsSenderAndMayFillItsBuffer()
    {
        using var rig = new Rig(4, 64);
        var a = rig.Client();
        var b = rig.Client();
        a.Send("a"u8);
        b.Send("b"u8);
        rig.RunUntilRead(2);
        for (int i = 0; i < 2; i++)
        {
            var rx = rig.NextRx();
            var buffer = rig.Pool[rx.Buffer];
            Assert.Equal(1, rx.Length);
            buffer.Fill(buffer[0]); // the reply: the sender's letter, a whole buffer of it
            Assert.True(rig.FromStack.Sender.TrySend(new NicMessages.Tx(rx.Buffer, rig.Pool.BufferSize, rx.Flow)));
        }
        rig.Driver.Run();

        Assert.Equal(2L, rig.Driver.Transmitted);
        Assert.Equal(4, rig.Pool.Available);
        foreach (var (client, letter) in new[] { (a, (byte)'a'), (b, (byte)'b') })
        {
            // Loopback queues the reply at the client before the driver's send returns.
            Assert.True(client.Poll(0, SelectMode.SelectRead), $"client '{(char)letter}' got no reply");
            var got = new byte[2 * rig.Pool.BufferSize];
            int n = client.Receive(got);
            Assert.Equal(rig.Pool.BufferSize, n);
            Assert.All(got[..n], x => Assert.Equal(letter, x));
            Assert.False(client.Poll(0, SelectMode.SelectRead), $"client '{(char)letter}' got a second reply");
        }
    }

    /// <summary>
    /// The stack answers a received datagram only with a Tx for its buffer, naming that buffer as its flow: another
    /// message type, or a Tx whose flow is not its buffer, is refused naming what was wrong, and nothing is sent.
    /// </summary>
    [Fact]
    public void ADescriptorThatIsNotAReplyForItsBufferIsRefused()
    {
        using var rig = new Rig(4, 64);
        rig.Client().Send("x"u8);
        rig.RunUntilRead(1);
        var rx = rig.NextRx();

        Assert.True(rig.FromStack.Sender.TrySend(new NicMessages.RxDone(rx.Buffer, rx.Flow)));
        var e = Assert.Throws<InvalidDataException>(() => rig.Driver.Run());
        Assert.Contains($"unexpected message type {NicMessages.RxDone.TypeId}", e.Message);

        Assert.True(rig.FromStack.Sender.TrySend(new NicMessages.Tx(rx.Buffer, 1, rx.Flow + 1)));
        e = Assert.Throws<InvalidDataException>(() => rig.Driver.Run());
        Assert.Contains("bad Tx descriptor", e.Message);
        Assert.Equal(0L, rig.Driver.Transmitted);
        Assert.Equal(3, rig.Pool.Available);
    }

    /// <summary>
    /// A driver made but never started (its server failed before the spawn) holds no unmanaged memory: its peer-address
    /// table is made by the start upcall, on the driver's core, and freed by the stop upcall.
    /// </summary>
    [Fact]
    public void ADriverNeverStartedHoldsNoUnmanagedMemory()
    {
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        server.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var pool = new PacketPool(64, 1400);
        using var toStack = UrpcRing.Allocate(16);
        using var fromStack = UrpcRing.Allocate(16);
        var endpoint = new UrpcEndpoint(toStack.Sender, fromStack.Receiver);
        long before = NativeBlock.LiveBytes;
        for (int i = 0; i < 4; i++) _ = new UdpNicDriver(server, pool, endpoint);
        Assert.Equal(before, NativeBlock.LiveBytes);

        var started = new UdpNicDriver(server, pool, endpoint);
        started.OnStart();
        Assert.True(NativeBlock.LiveBytes > before, "the started driver made no peer-address table");
        started.OnStop();
        Assert.Equal(before, NativeBlock.LiveBytes);
    }
}
