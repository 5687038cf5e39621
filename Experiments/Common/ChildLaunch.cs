using System.Collections.Concurrent;
using System.Diagnostics;

namespace Experiments.Common;

/// <summary>
/// Starts external programs (wrk, lighttpd, the Kestrel child, the native URPC reference, Fig 1's C twin, ...) so that they cannot
/// outlive this process, even when it is killed with SIGKILL: each child runs under <c>setpriv --pdeathsig KILL</c>
/// (util-linux; where it is missing, children are only killed when this process exits normally), which sets
/// <c>PR_SET_PDEATHSIG</c> and then executes the program (the setting survives the exec, also through <c>taskset</c>).
/// <para>Invariant: every child is forked by one dedicated thread that lives as long as the process. Linux sends the
/// parent-death signal when the <em>thread</em> that forked the child ends, so a child forked by a thread-pool thread
/// could be killed when that thread retires.</para>
/// Children still running when the process exits normally (or on a second Ctrl-C) are killed by a ProcessExit handler.
/// </summary>
public static class ChildLaunch
{
    const string SetPriv = "setpriv";

    static readonly BlockingCollection<(Process Process, TaskCompletionSource Started)> s_requests = new();
    static readonly ConcurrentDictionary<Process, byte> s_live = new();
    static readonly Lazy<string?> s_setpriv = new(() => FindOnPath(SetPriv));
    static readonly Lazy<Thread> s_forker = new(() =>
    {
        var t = new Thread(Fork) { IsBackground = true, Name = "child-launch" };
        t.Start();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
        return t;
    });

    /// <summary>Starts <paramref name="p"/> (its StartInfo filled, not started yet) wrapped in setpriv, on the forking thread.</summary>
    public static void Start(Process p)
    {
        string? setpriv = s_setpriv.Value;
        if (setpriv != null)
        {
            var psi = p.StartInfo;
            var args = psi.ArgumentList.ToList();
            psi.ArgumentList.Clear();
            foreach (var a in (string[])["--pdeathsig", "KILL", "--", psi.FileName, .. args]) psi.ArgumentList.Add(a);
            psi.FileName = setpriv;
        }
        _ = s_forker.Value;
        p.EnableRaisingEvents = true;
        p.Exited += (_, _) => s_live.TryRemove(p, out _);
        s_live[p] = 0;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        s_requests.Add((p, started));
        try { started.Task.GetAwaiter().GetResult(); } // rethrows what Process.Start threw
        catch { s_live.TryRemove(p, out _); throw; }
    }

    static void Fork()
    {
        foreach (var (p, started) in s_requests.GetConsumingEnumerable())
        {
            try
            {
                p.Start();
                started.SetResult();
            }
            catch (Exception e) { started.SetException(e); }
        }
    }

    static void KillAll()
    {
        foreach (var p in s_live.Keys)
        {
            try { if (!p.HasExited) p.Kill(entireProcessTree: true); }
            catch (InvalidOperationException) { }
        }
    }

    static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string p = Path.Combine(dir, name);
            if (File.Exists(p)) return p;
        }
        return null;
    }
}
