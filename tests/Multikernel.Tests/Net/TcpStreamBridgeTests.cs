using Multikernel.Drivers;
using Multikernel.Net.Cores;
using static Multikernel.Tests.Net.TestFrames;

namespace Multikernel.Tests.Net;

/// <summary>
/// The stack core's TCP bridge in process: a stack on a captured transmitter with a scripted peer below, and the test
/// as the server core above, speaking <see cref="NicMessages"/> over two URPC rings (no wire, no root).
/// </summary>
public sealed class TcpStreamBridgeTests : IDisposable
{
    readonly StackHarness _h = new();
    readonly UrpcRing _toServer = UrpcRing.Allocate(256), _fromServer = UrpcRing.Allocate(256);
    readonly PacketPool _rxPool = new(16, 2048), _txPool = new(8, 2048);
    readonly Notifier _notifier = new();
    readonly TcpStreamBridge _bridge;

    public TcpStreamBridgeTests()
    {
        _bridge = new TcpStreamBridge(80, 64, _rxPool, _txPool, new UrpcEndpoint(_toServer.Sender, _fromServer.Receiver));
        _bridge.OnStart(_h.Stack, new Waitset(_notifier));
        _h.Introduce();
    }

    public void Dispose()
    {
        _h.Dispose();
        _toServer.Dispose();
        _fromServer.Dispose();
        _rxPool.Dispose();
        _txPool.Dispose();
        _notifier.Dispose();
    }

    /// <summary>Every message the bridge has sent to the server so far.</summary>
    List<UrpcMessage> ToServer()
    {
        var list = new List<UrpcMessage>();
        while (_toServer.Receiver.TryReceive(out UrpcMessage m)) list.Add(m);
        return list;
    }

    /// <summary>A connection from a peer on <paramref name="port"/>, accepted by the bridge; its id as the server was told it.</summary>
    (TcpTestPeer Peer, ulong Id) Connect(ushort port)
    {
        var peer = new TcpTestPeer(_h, port);
        peer.Handshake();
        _bridge.Run(_h.Stack);
        var open = Assert.Single(ToServer());
        Assert.Equal(NicMessages.Open.TypeId, open.Type);
        return (peer, NicMessages.Open.Decode(in open).Flow);
    }

    /// <summary>
    /// A peer that resets its connection is counted in <see cref="TcpStreamBridge.Resets"/> also when the server's Close
    /// reaches the bridge before the bridge has looked at the connection again (the close finds the reset).
    /// </summary>
    [Fact]
    public void AResetFoundByTheServersCloseIsCountedAsAReset()
    {
        var (peer, id) = Connect(40000);
        _h.Deliver(peer.Segment(peer.SndNxt, 0, Rst));
        Assert.True(_fromServer.Sender.TrySend(new NicMessages.Close(id)));
        _bridge.Run(_h.Stack);

        var closed = Assert.Single(ToServer());
        Assert.Equal(NicMessages.Closed.TypeId, closed.Type);
        Assert.Equal(id, NicMessages.Closed.Decode(in closed).Flow);
        Assert.Equal(1L, _bridge.Resets);
        Assert.Equal(1L, _bridge.Counters.Closed);
    }

    /// <summary>A peer that resets a connection while it lingers after the server's close is counted as a reset, and the
    /// lingering ends (the server, told Closed when the lingering began, hears nothing more).</summary>
    [Fact]
    public void AResetWhileLingeringIsCountedAsAReset()
    {
        var (peer, id) = Connect(40001);
        Assert.True(_fromServer.Sender.TrySend(new NicMessages.Close(id)));
        _bridge.Run(_h.Stack);
        var closed = Assert.Single(ToServer());
        Assert.Equal(NicMessages.Closed.TypeId, closed.Type);
        Assert.Equal(1L, _bridge.Counters.Lingered);

        _h.Deliver(peer.Segment(peer.SndNxt, 0, Rst));
        _bridge.Run(_h.Stack);

        Assert.Empty(ToServer());
        Assert.Equal(1L, _bridge.Resets);
        Assert.Equal(1L, _bridge.Counters.Closed);
    }

    /// <summary>
    /// Responses that do not fit the connection's send buffer at once (partial sends) followed at once by the server's
    /// Close reach the peer whole and in order before the FIN; every transmit buffer comes back once, then Closed.
    /// </summary>
    [Fact]
    public void ResponsesLongerThanTheSendBufferThenACloseArriveWholeInOrderBeforeTheFin()
    {
        var (peer, id) = Connect(40002);
        var sent = new List<byte>();
        for (int i = 0; i < 8; i++)
        {
            Assert.True(_txPool.TryAllocate(out int b));
            for (int k = 0; k < 2048; k++) _txPool[b][k] = (byte)(i * 31 + k);
            sent.AddRange(_txPool[b][..2000].ToArray());
            Assert.True(_fromServer.Sender.TrySend(new NicMessages.Tx(b, 2000, id)));
        }
        Assert.True(_fromServer.Sender.TrySend(new NicMessages.Close(id)));
        int txDone = 0; bool closed = false;
        for (int round = 0; round < 200 && !(peer.GotFin && closed); round++)
        {
            _bridge.Run(_h.Stack);
            foreach (var m in ToServer())
            {
                if (m.Type == NicMessages.TxDone.TypeId) { txDone++; _txPool.Free(NicMessages.TxDone.Decode(in m).Buffer); }
                else if (m.Type == NicMessages.Closed.TypeId) closed = true;
                else Assert.Fail($"type {m.Type}");
            }
            _h.Stack.Flush();
            peer.Absorb(_h.Tx.Drain());
            peer.AckAll();
            _h.Advance(1000);
        }
        Assert.Equal(8, txDone);
        Assert.True(closed);
        Assert.True(peer.GotFin);
        Assert.Equal(sent, peer.Received);
    }

    /// <summary>
    /// Bytes and the peer's FIN that arrive while the connection is paused (every receive credit out at the server)
    /// all reach the server, in order, before ReadEnd, which comes only once the server has returned credits and the
    /// last byte was read; nothing follows it.
    /// </summary>
    [Fact]
    public void BytesAndAFinWhilePausedAllReachTheServerBeforeReadEnd()
    {
        var (peer, id) = Connect(40003);
        var data = Enumerable.Range(0, 9000).Select(i => (byte)(i * 7)).ToArray();
        var got = new List<byte>();
        var held = new List<int>();
        bool readEnd = false;
        int sentBytes = 0;
        for (int round = 0; round < 200 && !readEnd; round++)
        {
            if (sentBytes < data.Length && peer.ServerWindow > 0)
            {
                int n = Math.Min(Math.Min(1000, data.Length - sentBytes), peer.ServerWindow);
                peer.Send(data.AsSpan(sentBytes, n));
                sentBytes += n;
                if (sentBytes == data.Length) peer.SendFin();
            }
            if (round >= 12) // the server holds every buffer until then: the bridge pauses the connection
            {
                foreach (int b in held) Assert.True(_fromServer.Sender.TrySend(new NicMessages.RxDone(b, id)));
                held.Clear();
            }
            _bridge.Run(_h.Stack);
            foreach (var m in ToServer())
            {
                Assert.False(readEnd, "a message after ReadEnd");
                if (m.Type == NicMessages.Rx.TypeId)
                {
                    var rx = NicMessages.Rx.Decode(in m);
                    got.AddRange(_rxPool[rx.Buffer][..rx.Length].ToArray());
                    held.Add(rx.Buffer);
                }
                else if (m.Type == NicMessages.ReadEnd.TypeId) readEnd = true;
                else Assert.Fail($"unexpected message type {m.Type}");
            }
            _h.Stack.Flush();
            peer.Absorb(_h.Tx.Drain());
        }
        Assert.True(readEnd);
        Assert.True(_bridge.Counters.Paused >= 1, "the connection was never paused");
        Assert.Equal(data, got);
    }
}
