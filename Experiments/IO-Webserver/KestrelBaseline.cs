using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace IOWebserver;

/// <summary>
/// The ASP.NET Core Kestrel baseline: a minimal API serving the same page (and, with a database, the same item
/// pages), run as a child process of this program (<c>IOWebserver serve-kestrel</c>) so that taskset pins the
/// whole process, thread pool included, to the multikernel server's cores.
/// </summary>
public sealed class KestrelBaseline : IWebServer
{
    public const string ChildVerb = "serve-kestrel";
    const string Ready = "kestrel-ready";

    readonly ChildProcess _process;
    bool _stopped;

    public int Port { get; }
    public IReadOnlyList<int> Cores { get; }

    KestrelBaseline(ChildProcess p, int port, int[] cores)
    {
        _process = p;
        Port = port;
        Cores = cores;
    }

    /// <param name="database">SQLite file for the item pages, or null for static only.</param>
    public static KestrelBaseline Start(int[] cores, string? database = null)
    {
        int port = FreePort.Pick();
        var (file, args) = ChildCommand();
        args.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (database != null) args.Add(database);
        var p = ChildProcess.Start(file, args, cores, new Dictionary<string, string> { ["DOTNET_gcServer"] = "0", ["ASPNETCORE_ENVIRONMENT"] = "Production" });
        var k = new KestrelBaseline(p, port, cores);
        if (!p.WaitForLine(Ready, TimeSpan.FromSeconds(30)))
        {
            string why = p.Errors.Trim() + " " + p.Output.Trim();
            k.Dispose();
            throw new InvalidOperationException($"the Kestrel child did not start on port {port}: {why}");
        }
        return k;
    }

    /// <summary>
    /// The command that runs this program in its Kestrel-child role: <c>dotnet IOWebserver.dll serve-kestrel</c> where
    /// the program is a .dll beside its dependencies (a build, a framework-dependent publish, a test host), or the
    /// executable itself (<see cref="Environment.ProcessPath"/>) where it was published as a single file and no .dll exists.
    /// </summary>
    static (string File, List<string> Args) ChildCommand()
    {
        string dll = Path.Combine(AppContext.BaseDirectory, typeof(KestrelBaseline).Assembly.GetName().Name + ".dll");
        if (File.Exists(dll)) return (DotnetHost(), [dll, ChildVerb]);
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("cannot start the Kestrel child: the path of this executable is unknown");
        return (self, [ChildVerb]);
    }

    /// <summary>The dotnet muxer that runs this program (also when it runs under a test host).</summary>
    static string DotnetHost()
    {
        string? self = Environment.ProcessPath;
        if (self != null && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host)) return host;
        string? root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (!string.IsNullOrEmpty(root) && File.Exists(Path.Combine(root, "dotnet"))) return Path.Combine(root, "dotnet");
        return "dotnet";
    }

    public string Stop()
    {
        if (_stopped) return "Kestrel stopped";
        _stopped = true;
        _process.CloseInput();
        if (!_process.WaitForExit(TimeSpan.FromSeconds(10))) _process.Dispose();
        return $"Kestrel child process (minimal API, {Environment.Version} runtime) pinned to cores {string.Join(',', Cores)}";
    }

    public void Dispose()
    {
        Stop();
        _process.Dispose();
    }

    /// <summary>Entry point of the child process: serve until standard input closes. Args: PORT [SQLITE-FILE].</summary>
    public static int ServeChild(string[] args)
    {
        if (args.Length is < 1 or > 2 || !int.TryParse(args[0], out int port))
        {
            Console.Error.WriteLine($"usage: IOWebserver {ChildVerb} PORT [SQLITE-FILE]");
            return 2;
        }
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(o => o.Listen(System.Net.IPAddress.Loopback, port));
        var app = builder.Build();
        byte[] page = StaticPage.Body;
        app.MapGet("/", () => Results.Bytes(page, "text/html"));
        app.MapGet(StaticPage.Path, () => Results.Bytes(page, "text/html"));
        if (args.Length == 2) ItemPages.MapKestrel(app, args[1]);
        app.StartAsync().GetAwaiter().GetResult();
        Console.WriteLine(Ready);
        Console.Out.Flush();
        // The parent closes our standard input to stop us (or kills us).
        while (Console.In.Read() >= 0) { }
        app.StopAsync().GetAwaiter().GetResult();
        return 0;
    }
}
