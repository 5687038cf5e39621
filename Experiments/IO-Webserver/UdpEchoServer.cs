namespace IOWebserver;

/// <summary>
/// A running UDP echo server on 127.0.0.1 or on the veth wire; its <see cref="IRunningServer.Stop"/> account is the
/// datagrams received, echoed and dropped.
/// </summary>
public interface IUdpEchoServer : IRunningServer;
