namespace IOWebserver;

/// <summary>A running UDP echo server on 127.0.0.1: where to send, and how to stop it and check what it did.</summary>
public interface IUdpEchoServer : IDisposable
{
    int Port { get; }
    /// <summary>Where clients send (127.0.0.1 unless the server runs on the veth wire).</summary>
    System.Net.IPAddress Address => System.Net.IPAddress.Loopback;
    /// <summary>Cores the server side runs on (OS CPU numbers).</summary>
    IReadOnlyList<int> Cores { get; }
    /// <summary>Stops the server and returns its own account (datagrams received, echoed, dropped); null if it kept none.</summary>
    string Stop();
}
