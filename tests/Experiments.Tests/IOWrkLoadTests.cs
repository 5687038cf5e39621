using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Experiments.Tests;

/// <summary>A web series' load as wrk really runs it: the rows say how many connections wrk kept open.</summary>
public class IOWrkLoadTests
{
    /// <summary>
    /// wrk opens connections / threads (rounded down) on each of its threads. With three load cores (three wrk threads)
    /// and 4 connections asked it keeps 3 open; the rows' Param must say the number wrk kept, which the server counts:
    /// each wrk run (the untimed warm-up and the one timed run) opens its connections once and keeps them alive, so 2 x 3
    /// connections send requests. (wrk also connects once, sending nothing, to check the address before each run, so
    /// the connections accepted, or the most open at one time, would count that probe too, and the warm-up's closes
    /// that the server's threads have not yet seen on a loaded machine.)
    /// </summary>
    [Fact]
    public void TheRowsNameTheConnectionsWrkKeptOpen()
    {
        Assert.SkipWhen(Tools.Wrk == null, Tools.MissingReason("wrk"));
        int core = TestCores.First(1)[0];
        var load = new LoadPlacement([core, core, core], false, "load generator on three wrk threads");
        var settings = new IoSettings
        {
            Cores = [core], Duration = TimeSpan.FromSeconds(1), Repetitions = 1, PayloadBytes = 64, Flows = 1, Window = 1, Connections = 4,
            Only = new HashSet<string> { IoSettings.Static }, OutDir = TestCores.TempDir(), Profile = "quick",
        };
        CountingHttpServer? server = null;
        var rows = WebSeries.Measure("web static/test", null, veth: false, _ => server = new CountingHttpServer(core), _ => null, "/", null, load, settings, "a counting test server");
        var rps = Assert.Single(rows, r => r.Metric == "requests_per_s");
        Assert.True(rps.Verified == "pass", rps.Note);
        Assert.Contains("connections=3;", rps.Param);
        Assert.Equal(2 * 3, server!.Requesting);
        Assert.Contains("wrk kept 3 connections open, not the 4 asked", rps.Note);
    }

    /// <summary>
    /// One connection on two load cores: wrk runs one thread, so the load generator is that thread's core. The
    /// load-core busy rows (whose 95% marks the load generator as a run's limit) must be over that core alone, not
    /// averaged with a core wrk never ran on, and the wire's receive work is steered there.
    /// </summary>
    [Fact]
    public void FewerConnectionsThanLoadCoresRunWrkAndMeasureBusyOnItsThreadsCoresOnly()
    {
        Assert.SkipWhen(Tools.Wrk == null, Tools.MissingReason("wrk"));
        int[] cores = TestCores.FirstOrSkip(2);
        var load = new LoadPlacement(cores, false, "load generator on two cores");
        var settings = new IoSettings
        {
            Cores = [cores[0]], Duration = TimeSpan.FromSeconds(1), Repetitions = 1, PayloadBytes = 64, Flows = 1, Window = 1, Connections = 1,
            Only = new HashSet<string> { IoSettings.Static }, OutDir = TestCores.TempDir(), Profile = "quick",
        };
        var rows = WebSeries.Measure("web static/test", null, veth: false, _ => new CountingHttpServer(cores[0]), _ => null, "/", null, load, settings, "a counting test server");
        var busy = Assert.Single(rows, r => r.Metric == CoreBusyMetrics.Load);
        Assert.Contains("wrk_threads=1", busy.Param);
        Assert.Contains($"load generator core(s) {cores[0]};", busy.Note);
    }

    /// <summary>
    /// wrk's own "Non-2xx or 3xx responses" line counts only statuses above 399. A server that answers the load with a
    /// redirect (and passes a check that is not looked at here) must not give rows marked pass: the warm-up run counts
    /// every status outside 2xx, and the rows fail, saying how many.
    /// </summary>
    [Fact]
    public void ARedirectUnderLoadFailsTheRowsThoughWrkCountsOnlyStatusesAbove399()
    {
        Assert.SkipWhen(Tools.Wrk == null, Tools.MissingReason("wrk"));
        int core = TestCores.First(1)[0];
        var load = new LoadPlacement([core], false, "load generator on one wrk thread");
        var settings = new IoSettings
        {
            Cores = [core], Duration = TimeSpan.FromSeconds(1), Repetitions = 1, PayloadBytes = 64, Flows = 1, Window = 1, Connections = 2,
            Only = new HashSet<string> { IoSettings.Static }, OutDir = TestCores.TempDir(), Profile = "quick",
        };
        var redirect = "HTTP/1.1 301 Moved Permanently\r\nLocation: /\r\nContent-Length: 0\r\n\r\n"u8.ToArray();
        var rows = WebSeries.Measure("web static/test", null, veth: false, _ => new CountingHttpServer(core, redirect), _ => null, "/", null, load, settings, "a redirecting test server");
        var rps = Assert.Single(rows, r => r.Metric == "requests_per_s");
        Assert.Equal("fail", rps.Verified);
        Assert.Matches(@"wrk warm-up: [1-9]\d* requests, 0 non-2xx, 0 socket errors, [1-9]\d* responses outside 2xx", rps.Note);
    }

    /// <summary>
    /// The status counter appended to a script that has its own setup, done and request functions (as the dynamic
    /// series' script has setup and request) keeps them working and counts nothing on a server that answers 200.
    /// </summary>
    [Fact]
    public void TheStatusCounterKeepsTheScriptsOwnFunctionsAndFindsNothingOnACleanServer()
    {
        Assert.SkipWhen(Tools.Wrk == null, Tools.MissingReason("wrk"));
        int core = TestCores.First(1)[0];
        using var server = new CountingHttpServer(core);
        string script = Path.Combine(TestCores.TempDir(), "own.lua");
        File.WriteAllText(script, """
            local threads = 0
            function setup(thread) thread:set("id", threads); threads = threads + 1 end
            request = function() return wrk.format("GET", "/item/" .. (id or 0)) end
            function done(summary, latency, requests) io.write(string.format("own setup ran for %d thread(s)\n", threads)) end
            """);
        var r = WrkRunner.Run($"http://127.0.0.1:{server.Port}/", TimeSpan.FromSeconds(1), 2, [core], script, countStatuses: true);
        Assert.True(r.Requests > 0, r.Raw);
        Assert.Equal(0, r.Outside2xx);
        Assert.True(r.Clean, r.Describe());
        Assert.Contains("own setup ran for 1 thread(s)", r.Raw);
    }

    /// <summary>A keep-alive HTTP/1.1 server on 127.0.0.1 that answers every request with a 2-byte body and counts the connections open at once.</summary>
    sealed class CountingHttpServer : IWebServer
    {
        static readonly byte[] Ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray();
        readonly byte[] Response;
        readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        readonly Thread _acceptor;
        long _accepted, _requesting;

        /// <param name="response">What every request is answered with: 200 and "ok" unless given.</param>
        public CountingHttpServer(int core, byte[]? response = null)
        {
            Response = response ?? Ok;
            Cores = [core];
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen(64);
            Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
            _acceptor = new Thread(Accept) { IsBackground = true };
            _acceptor.Start();
        }

        public int Port { get; }
        public IPAddress Address => IPAddress.Loopback;
        public IReadOnlyList<int> Cores { get; }
        public long Accepted => Interlocked.Read(ref _accepted);
        /// <summary>Connections that sent at least one request.</summary>
        public long Requesting => Interlocked.Read(ref _requesting);

        void Accept()
        {
            try
            {
                while (true)
                {
                    var c = _listener.Accept();
                    Interlocked.Increment(ref _accepted);
                    new Thread(() => Serve(c)) { IsBackground = true }.Start();
                }
            }
            catch (SocketException) { } // the listener closed
            catch (ObjectDisposedException) { }
        }

        void Serve(Socket c)
        {
            using (c)
            {
                var buffer = new byte[8192];
                var pending = new StringBuilder();
                bool requested = false;
                try
                {
                    int n;
                    while ((n = c.Receive(buffer)) > 0)
                    {
                        pending.Append(Encoding.ASCII.GetString(buffer, 0, n));
                        string text = pending.ToString();
                        int end, answered = 0;
                        while ((end = text.IndexOf("\r\n\r\n", answered, StringComparison.Ordinal)) >= 0)
                        {
                            if (!requested) Interlocked.Increment(ref _requesting);
                            requested = true;
                            c.Send(Response);
                            answered = end + 4;
                        }
                        pending.Remove(0, answered);
                    }
                }
                catch (SocketException) { } // the client went
            }
        }

        public string Stop() { _listener.Dispose(); return $"accepted {Accepted} connections"; }

        public void Dispose() => _listener.Dispose();
    }
}
