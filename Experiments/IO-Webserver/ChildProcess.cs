using System.Diagnostics;
using System.Text;
using Experiments.Common;

namespace IOWebserver;

/// <summary>
/// An external program run by the experiment (wrk, lighttpd, the Kestrel child), optionally pinned to cores with
/// taskset. Its output is collected; <see cref="Dispose"/> kills it (and its children) if it still runs, and it dies
/// with this process however that ends (<see cref="ChildLaunch"/>).
/// <para>Invariant: the child runs in a session and process group of its own (<c>setsid</c>). A terminal's Ctrl-C
/// signals its whole foreground process group (and <c>timeout</c> its own group): on the first signal this program
/// finishes the series in progress, which its wrk, lighttpd or Kestrel must outlive, so the signal reaches this program
/// alone; on the second it ends and its children die with it.</para>
/// </summary>
public sealed class ChildProcess : IDisposable
{
    readonly Process _p;
    readonly StringBuilder _out = new(), _err = new();
    readonly object _lock = new();
    readonly List<string> _lines = new();
    readonly SemaphoreSlim _lineArrived = new(0);

    public string CommandLine { get; }

    ChildProcess(string file, IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? env)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env != null) foreach (var (k, v) in env) psi.Environment[k] = v;
        CommandLine = file + " " + string.Join(' ', args);
        _p = new Process { StartInfo = psi };
        _p.OutputDataReceived += (_, e) =>
        {
            if (e.Data == null) return;
            lock (_lock) { _out.AppendLine(e.Data); _lines.Add(e.Data); }
            _lineArrived.Release();
        };
        _p.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (_lock) _err.AppendLine(e.Data); };
    }

    /// <summary>Starts <paramref name="file"/> in a process group of its own (<c>setsid</c>), under <c>taskset -c CORES</c>
    /// when <paramref name="cores"/> is given, and inside network namespace <paramref name="netns"/> (<c>ip netns exec</c>,
    /// which execs the program) when given.</summary>
    public static ChildProcess Start(string file, IReadOnlyList<string> args, IReadOnlyList<int>? cores = null, IReadOnlyDictionary<string, string>? env = null, string? netns = null)
    {
        string[] command = cores is { Count: > 0 } ? [Tools.Taskset, "-c", string.Join(',', cores), file, .. args] : [file, .. args];
        if (netns != null)
            command = Multikernel.Net.Wire.NetNamespace.ExecCommand(netns, command);
        // setsid execs the command in place (the forked child is no group leader, so setsid need not fork): the pid
        // started here stays the program's, and so does the parent-death signal ChildLaunch sets.
        command = [Tools.Setsid, .. command];
        var c = new ChildProcess(command[0], command[1..], env);
        ChildLaunch.Start(c._p);
        c._p.BeginOutputReadLine();
        c._p.BeginErrorReadLine();
        return c;
    }

    public string Output { get { lock (_lock) return _out.ToString(); } }
    public string Errors { get { lock (_lock) return _err.ToString(); } }
    public bool HasExited => _p.HasExited;
    public int ExitCode => _p.ExitCode;

    /// <summary>Waits for the process to end; false on timeout (it then still runs).</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_p.WaitForExit(timeout)) return false;
        _p.WaitForExit(); // drains the output readers
        return true;
    }

    /// <summary>Waits until the process prints a line containing <paramref name="marker"/>; false on timeout or exit.</summary>
    public bool WaitForLine(string marker, TimeSpan timeout)
    {
        var end = DateTime.UtcNow + timeout;
        int seen = 0;
        while (DateTime.UtcNow < end)
        {
            lock (_lock)
                for (; seen < _lines.Count; seen++)
                    if (_lines[seen].Contains(marker, StringComparison.Ordinal)) return true;
            if (_p.HasExited && !_lineArrived.Wait(100)) return false;
            _lineArrived.Wait(TimeSpan.FromMilliseconds(100));
        }
        return false;
    }

    /// <summary>Closes the child's standard input (the Kestrel child stops on it).</summary>
    public void CloseInput()
    {
        try { _p.StandardInput.Close(); } catch (IOException) { }
    }

    public void Dispose()
    {
        try { if (!_p.HasExited) { _p.Kill(entireProcessTree: true); _p.WaitForExit(5000); } }
        catch (InvalidOperationException) { }
        _p.Dispose();
        _lineArrived.Dispose();
    }
}
