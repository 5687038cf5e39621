namespace IOWebserver;

/// <summary>
/// The external programs the web series need, found on PATH. A missing one is a skip with the install command,
/// never a crash or a made-up number.
/// </summary>
public static class Tools
{
    public const string InstallHint = "install with: sudo scripts/install-deps.sh run (Debian packages wrk and lighttpd)";

    public static string? Wrk => Find("wrk");
    public static string? Lighttpd => Find("lighttpd") ?? Existing("/usr/sbin/lighttpd");
    /// <summary>taskset (util-linux), which pins a child process (wrk, lighttpd, Kestrel) to its cores; throws where it is missing (no child runs unpinned).</summary>
    public static string Taskset => Find("taskset") ?? throw new InvalidOperationException("taskset (util-linux) not found on PATH: it pins wrk, lighttpd and Kestrel to their cores");

    /// <summary>setsid (util-linux), which starts a child (wrk, lighttpd, Kestrel) in a session and process group of its own; throws where it is missing.</summary>
    public static string Setsid => Find("setsid") ?? throw new InvalidOperationException("setsid (util-linux) not found on PATH: it keeps wrk, lighttpd and Kestrel out of this program's process group, which a Ctrl-C signals");

    public static string MissingReason(string tool) => $"{tool} not found on PATH; {InstallHint}";

    static string? Existing(string path) => File.Exists(path) ? path : null;

    static string? Find(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string p = Path.Combine(dir, name);
            if (File.Exists(p)) return p;
        }
        return null;
    }
}
