namespace IOWebserver;

/// <summary>A server of one series, running: where clients reach it, the cores it runs on, and how to stop it.</summary>
public interface IRunningServer : IDisposable
{
    int Port { get; }
    /// <summary>Where clients connect (127.0.0.1 unless the server runs on the veth wire).</summary>
    System.Net.IPAddress Address => System.Net.IPAddress.Loopback;
    /// <summary>Cores the server side runs on (OS CPU numbers).</summary>
    IReadOnlyList<int> Cores { get; }
    /// <summary>Stops the server; returns its own account of what it did, for the notes.</summary>
    string Stop();
}
