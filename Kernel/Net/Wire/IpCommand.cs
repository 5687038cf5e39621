using System.Diagnostics;

namespace Multikernel.Net.Wire;

/// <summary>
/// Runs iproute2's <c>ip</c> (Debian package <c>iproute2</c>): the wire is set up and torn down with it rather than
/// with raw netlink, so every step is a command a person can read in an error message and repeat by hand.
/// </summary>
internal static class IpCommand
{
    public const string InstallHint = "apt-get install -y iproute2";
    static readonly string[] Candidates = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"];

    /// <summary>The path of <c>ip</c>, or null when iproute2 is not installed.</summary>
    public static string? Path { get; } = Locate();

    static string? Locate()
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string p = System.IO.Path.Combine(dir, "ip");
            if (File.Exists(p)) return p;
        }
        foreach (string p in Candidates) if (File.Exists(p)) return p;
        return null;
    }

    /// <summary>How long one command may run before it is stopped and reported as failed.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    /// <summary>Runs <c>ip ARGS</c>; returns its standard output; throws <see cref="WireException"/> with the command line and stderr when it fails.</summary>
    public static string Run(params string[] args) => Run(Limit, args);

    /// <summary>Runs <c>ip ARGS</c>, stopping it after <paramref name="limit"/>; as <see cref="Run(string[])"/> otherwise.</summary>
    public static string Run(TimeSpan limit, params string[] args)
    {
        string ip = Path ?? throw new WireException($"iproute2's 'ip' command is not installed; install it with: {InstallHint}");
        var psi = new ProcessStartInfo(ip) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new WireException($"could not start {ip}");
        // Both pipes are drained in the background so that the limit bounds the wait even for a command that never
        // closes its output; a command past the limit is killed with whatever it started.
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(limit))
        {
            try { p.Kill(entireProcessTree: true); }
            catch (InvalidOperationException) { } // it ended meanwhile
            throw new WireException($"'ip {string.Join(' ', args)}' did not finish within {limit.TotalSeconds} s");
        }
        if (p.ExitCode != 0)
            throw new WireException($"'ip {string.Join(' ', args)}' failed (exit {p.ExitCode}): {stderr.Result.Trim()}");
        return stdout.Result;
    }
}
