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
}
