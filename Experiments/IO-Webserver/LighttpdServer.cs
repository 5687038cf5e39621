using System.Globalization;
using Experiments.Common;

namespace IOWebserver;

/// <summary>
/// The lighttpd baseline: the Debian lighttpd, configured in a fresh temporary folder to serve the same 4.1 kB page
/// from its document root on 127.0.0.1 and a free port, keep-alive allowed for the whole run, pinned with taskset
/// to the same cores as the multikernel server. lighttpd is one single-threaded event loop (epoll), so it uses one
/// of those cores at a time.
/// </summary>
public sealed class LighttpdServer : IWebServer
{
    readonly ChildProcess _process;
    readonly ScratchFolder _dir;
    bool _stopped;

    public int Port { get; }
    public IReadOnlyList<int> Cores { get; }

    LighttpdServer(ChildProcess p, ScratchFolder dir, int port, int[] cores)
    {
        _process = p;
        _dir = dir;
        Port = port;
        Cores = cores;
    }

    public static LighttpdServer Start(int[] cores)
    {
        string exe = Tools.Lighttpd ?? throw new InvalidOperationException(Tools.MissingReason("lighttpd"));
        var scratch = ScratchFolder.Create("io-webserver-lighttpd");
        string dir = scratch.Path;
        Directory.CreateDirectory(Path.Combine(dir, "www"));
        File.WriteAllBytes(Path.Combine(dir, "www", "index.html"), StaticPage.Body);
        int port = FreePort.Pick();
        string conf = Path.Combine(dir, "lighttpd.conf");
        File.WriteAllText(conf, string.Create(CultureInfo.InvariantCulture, $"""
            server.document-root = "{dir}/www"
            server.bind = "127.0.0.1"
            server.port = {port}
            server.errorlog = "{dir}/error.log"
            server.max-keep-alive-requests = 1000000
            server.max-keep-alive-idle = 60
            server.max-connections = 4096
            index-file.names = ( "index.html" )
            mimetype.assign = ( ".html" => "text/html" )
            """));
        var p = ChildProcess.Start(exe, ["-D", "-f", conf], cores);
        var s = new LighttpdServer(p, scratch, port, cores);
        if (!FreePort.WaitUntilListening(port, TimeSpan.FromSeconds(10), () => p.HasExited))
        {
            string log = File.Exists(Path.Combine(dir, "error.log")) ? File.ReadAllText(Path.Combine(dir, "error.log")) : "";
            s.Dispose();
            throw new InvalidOperationException($"lighttpd did not start listening on port {port}: {p.Errors.Trim()} {log.Trim()}");
        }
        return s;
    }

    public string Stop()
    {
        if (_stopped) return "lighttpd stopped";
        _stopped = true;
        _process.Dispose();
        return $"lighttpd ({_process.CommandLine}), single-threaded, pinned to cores {string.Join(',', Cores)}";
    }

    public void Dispose()
    {
        Stop();
        _dir.Dispose();
    }
}
