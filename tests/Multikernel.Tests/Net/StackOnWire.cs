using System.Net;
using System.Net.Sockets;

namespace Multikernel.Tests.Net;

/// <summary>
/// A real wire for an end-to-end test: a <see cref="VethWire"/> in the test's own namespaces, the AF_PACKET ring on
/// its server end and the user-level stack behind it, run by a <see cref="RingStackLoop"/> on a thread of its own.
/// The test talks to it from the far namespace with the kernel's own stack (.NET sockets created there).
/// Dispose stops the loop and removes the wire, then checks that nothing of it is left and reports a failure of the
/// loop that <see cref="Stop"/> has not already reported.
/// </summary>
internal sealed class StackOnWire : IDisposable
{
    public VethWire Wire { get; }
    public PacketRing Ring { get; }
    public NetStack Stack { get; }
    readonly CancellationTokenSource _stop = new();
    readonly Thread _thread;
    Exception? _failure;
    bool _failureReported;

    /// <summary>Skips the calling test (visibly, with the fix) where a wire cannot be built.</summary>
    public static void SkipUnlessAvailable() =>
        Assert.SkipWhen(WirePrerequisites.Missing != null, $"end-to-end network test: {WirePrerequisites.Missing}");

    /// <param name="linearTransmit">The ring's <see cref="PacketRingOptions.LinearTransmit"/> (false: the kernel attaches the slots' pages).</param>
    /// <param name="lossPercent">When above 0, the test's own loop drops this share of received frames before the stack
    /// sees them and of the stack's frames before they reach the ring (the kernel here has no netem), seeded for repeatability.</param>
    public StackOnWire(Action<NetStack>? setup = null, Action<NetStack>? application = null, byte subnet = 77, int lossPercent = 0,
        PacketRingVersion version = PacketRingVersion.V3, bool linearTransmit = true)
    {
        Wire = VethWire.Create(subnet);
        try
        {
            Ring = Wire.RunInServerNamespace(() => PacketRing.Open(VethWire.ServerInterface, new PacketRingOptions { Version = version, LinearTransmit = linearTransmit }));
            IFrameTransmitter tx = lossPercent > 0 ? new LossyTransmitter(Ring, lossPercent, seed: 1) : Ring;
            Stack = new NetStack(new NetStackOptions { Mac = Ring.MacAddress, Address = Wire.ServerAddress, MaxConnections = 256 }, tx);
        }
        catch
        {
            Ring?.Dispose();
            Wire.Dispose();
            throw;
        }
        setup?.Invoke(Stack);
        ThreadStart body;
        if (lossPercent == 0)
        {
            var loop = new RingStackLoop(Ring, Stack) { Application = application, SpinIterations = 200 };
            body = () => loop.Run(_stop.Token);
        }
        else body = () => LossyLoop(application, lossPercent);
        _thread = new Thread(() =>
        {
            try { body(); }
            catch (Exception e) { _failure = e; }
        }) { IsBackground = true, Name = "ring+stack loop" };
        _thread.Start();
    }

    void LossyLoop(Action<NetStack>? application, int lossPercent)
    {
        var rng = new Random(2);
        while (!_stop.IsCancellationRequested)
        {
            Stack.Tick(RingStackLoop.NowMicroseconds);
            int n = 0;
            while (n < 64 && Ring.TryReceive(out var f))
            {
                if (rng.Next(100) >= lossPercent) Stack.ReceiveFrame(Ring.Frame(f), f.Flags);
                else LostReceived++;
                Ring.Release(f);
                n++;
            }
            application?.Invoke(Stack);
            Stack.Flush();
            Ring.Kick();
            if (n == 0) Ring.WaitForFrames(1);
        }
    }

    /// <summary>Received frames the lossy loop dropped.</summary>
    public long LostReceived { get; private set; }

    public IPEndPoint ServerEndPoint(int port) => new(Wire.ServerAddress.ToIPAddress(), port);

    /// <summary>A socket of the far namespace's kernel stack (usable from any thread once made).</summary>
    public Socket FarSocket(SocketType type, ProtocolType protocol) => Wire.RunInFarNamespace(() =>
    {
        var s = new Socket(AddressFamily.InterNetwork, type, protocol) { ReceiveTimeout = 10_000, SendTimeout = 10_000 };
        if (type == SocketType.Dgram) s.Bind(new IPEndPoint(Wire.FarAddress.ToIPAddress(), 0));
        return s;
    });

    /// <summary>Stops the loop (so its state may be read from the test thread) and rethrows what it threw.</summary>
    public void Stop()
    {
        _stop.Cancel();
        _thread.Join();
        ThrowIfFailed();
    }

    void ThrowIfFailed()
    {
        if (_failure == null || _failureReported) return;
        _failureReported = true;
        throw new Xunit.Sdk.XunitException($"the ring/stack loop failed: {_failure}");
    }

    public void Dispose()
    {
        if (!_stop.IsCancellationRequested) { _stop.Cancel(); _thread.Join(); }
        Ring.Dispose();
        Stack.Dispose();
        Wire.Dispose();
        Assert.False(NetNamespace.Exists(Wire.ServerNamespace) || NetNamespace.Exists(Wire.FarNamespace), "the wire's namespaces are left behind");
        Assert.Empty(VethWire.NamespacesOfThisProcess());
        ThrowIfFailed();
    }
}

/// <summary>Drops a share of the frames a stack sends (abandons the ring slot instead of committing it).</summary>
internal sealed class LossyTransmitter(IFrameTransmitter inner, int lossPercent, int seed) : IFrameTransmitter
{
    readonly Random _rng = new(seed);
    public long Lost { get; private set; }
    public int MaxFrameLength => inner.MaxFrameLength;
    public Span<byte> BeginFrame() => inner.BeginFrame();
    public void CommitFrame(int length)
    {
        if (_rng.Next(100) < lossPercent) Lost++; // the next BeginFrame reuses the slot
        else inner.CommitFrame(length);
    }
}

/// <summary>Echoes every byte a connection sends on port <paramref name="port"/> back on it; closes when the peer does. Runs on the loop's thread.</summary>
internal sealed class TcpEchoApplication(ushort port)
{
    readonly byte[] _buffer = new byte[65536];

    public void Poll(NetStack stack)
    {
        var tcp = stack.Tcp;
        while (tcp.TryAccept(port, out _)) { }
        while (tcp.TryGetReady(out var s))
        {
            if (tcp.WasReset(s)) { tcp.Close(s); continue; }
            int n = tcp.Receive(s, _buffer.AsSpan(0, Math.Min(_buffer.Length, tcp.SendSpace(s))));
            if (n > 0 && tcp.Send(s, _buffer.AsSpan(0, n)) != n) throw new InvalidOperationException("send space shrank");
            if (tcp.PeerClosed(s)) tcp.Close(s);
        }
    }
}

/// <summary>Echoes UDP datagrams to their sender.</summary>
internal sealed class UdpEchoApplication : IUdpReceiver
{
    public void OnDatagram(NetStack stack, in UdpDatagram d, ReadOnlySpan<byte> payload) =>
        stack.SendUdp(d.Source, d.DestinationPort, d.SourcePort, payload);
}
