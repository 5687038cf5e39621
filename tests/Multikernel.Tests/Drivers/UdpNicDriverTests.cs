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
    [Fact]
    public void ADatagramLongerThanTheStatedMaximumIsDroppedThoughItFitsTheRoundedBuffer()
    {
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        server.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var pool = new PacketPool(4, 1400);
        Assert.True(pool.BufferSize > 1400);
        using var toStack = UrpcRing.Allocate(16);
        using var fromStack = UrpcRing.Allocate(16);
        var driver = new UdpNicDriver(server, pool, new UrpcEndpoint(toStack.Sender, fromStack.Receiver), maxDatagram: 1400);
        driver.OnStart();
        try
        {
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            client.Connect(server.LocalEndPoint!);
            client.Send(new byte[1401]);
            client.Send(new byte[1400]);
            // Loopback queues a datagram at the receiver before send returns; a few rounds read both.
            for (int round = 0; round < 1000 && driver.Received + driver.Oversized < 2; round++)
            {
                TestContext.Current.CancellationToken.ThrowIfCancellationRequested();
                driver.Run();
            }

            Assert.Equal(1L, driver.Oversized);
            Assert.Equal(1L, driver.Received);
            Assert.True(toStack.Receiver.TryReceive(out UrpcMessage m));
            Assert.Equal(1400, NicMessages.Rx.Decode(in m).Length);
            Assert.False(toStack.Receiver.TryReceive(out _));
            Assert.Equal(3, pool.Available); // the dropped datagram's buffer is free again; the passed one is out
        }
        finally
        {
            driver.OnStop();
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => new UdpNicDriver(server, pool, new UrpcEndpoint(toStack.Sender, fromStack.Receiver), pool.BufferSize + 1));
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
