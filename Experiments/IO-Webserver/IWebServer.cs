namespace IOWebserver;

/// <summary>A running web server on 127.0.0.1 (multikernel, Kestrel or lighttpd), or on the veth wire.</summary>
public interface IWebServer : IRunningServer;
