using System.Net;
using System.Net.Sockets;
using Multikernel.Hardware;

namespace IOWebserver;

/// <summary>
/// The host baseline: what a programmer writes on Linux. One thread pinned to one core runs a plain blocking
/// receive-from / send-to loop on a UDP socket (allocation-free span and SocketAddress overloads). A datagram longer
/// than the largest payload is dropped and counted, never echoed in part: the same policy as the multikernel's driver.
/// </summary>
public sealed class HostUdpEchoServer : IUdpEchoServer
{
    readonly Socket _socket;
    readonly Thread _thread;
    readonly int _maxDatagram;
    volatile bool _stop;
    long _received, _sent, _oversized;
    Exception? _fault;

    public int Port { get; }
    public IReadOnlyList<int> Cores { get; }

    HostUdpEchoServer(int core, int maxDatagram)
    {
        Cores = [core];
        _maxDatagram = maxDatagram;
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 50 };
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
        _thread = new Thread(() => Loop(core)) { IsBackground = true, Name = $"host-udp-echo-{core}" };
    }

    public static HostUdpEchoServer Start(int core, int maxDatagram)
    {
        var s = new HostUdpEchoServer(core, maxDatagram);
        s._thread.Start();
        return s;
    }

    void Loop(int core)
    {
        try
        {
            CoreAffinity.PinCurrentThread(core);
            var buffer = new byte[_maxDatagram + 1]; // one byte more: a datagram that fills it was longer than allowed
            var peer = new SocketAddress(AddressFamily.InterNetwork);
            while (!_stop)
            {
                int n;
                try { n = _socket.ReceiveFrom(buffer, SocketFlags.None, peer); }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock) { continue; }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.MessageSize) { _oversized++; continue; }
                if (n > _maxDatagram) { _oversized++; continue; }
                _received++;
                _socket.SendTo(buffer.AsSpan(0, n), SocketFlags.None, peer);
                _sent++;
            }
        }
        catch (Exception e) { _fault = e; }
    }

    public string Stop()
    {
        _stop = true;
        if (!_thread.Join(TimeSpan.FromSeconds(5))) throw new TimeoutException("host UDP echo thread did not stop within 5 s");
        if (_fault != null) throw new InvalidOperationException($"host UDP echo loop failed: {_fault.Message}", _fault);
        return $"host loop received {_received}, sent {_sent}, oversized (dropped, not echoed) {_oversized}";
    }

    public void Dispose()
    {
        try { if (_thread.IsAlive) Stop(); }
        finally { _socket.Dispose(); }
    }
}
