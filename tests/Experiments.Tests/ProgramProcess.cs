using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Experiments.Tests;

/// <summary>
/// An experiment program run as a real process in a process group of its own (started through <c>setsid</c>, so its
/// pid is also its group id), for tests that signal it and then check that nothing of it is left running: neither its
/// group nor any process that was ever its descendant (wrk, lighttpd and Kestrel run in sessions of their own, so the
/// group alone does not hold them). Descendants are sampled from /proc every 20 ms while the program runs.
/// </summary>
sealed partial class ProgramProcess : IDisposable
{
    public const int SIGINT = 2, SIGKILL = 9, SIGTERM = 15;

    readonly Process _p;
    readonly StringBuilder _output = new();
    readonly object _lock = new();
    readonly Dictionary<int, ulong> _descendants = new(); // every descendant seen (pid, start time), under _lock
    Timer? _sampler;
    int _pid;                // the program's pid, kept so that sampling never touches the Process object
    ulong? _start;           // its start time (clock ticks after boot): a later process with the same pid is not it
    Exception? _samplerFault; // the first exception a timer sample threw, under _lock; LiveDescendants rethrows it

    public int Pid => _pid;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);

    ProgramProcess(Process p) => _p = p;

    /// <summary>Starts <c>dotnet DLL ARGS</c> (the dll beside the test assembly) in a new session and process group.</summary>
    public static ProgramProcess Start(string dll, params string[] args)
    {
        var psi = new ProcessStartInfo("setsid") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])["dotnet", Path.Combine(AppContext.BaseDirectory, dll), .. args]) psi.ArgumentList.Add(a);
        var p = new Process { StartInfo = psi };
        var pp = new ProgramProcess(p);
        p.OutputDataReceived += (_, e) => { if (e.Data != null) lock (pp._lock) pp._output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (pp._lock) pp._output.AppendLine(e.Data); };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        pp._pid = p.Id;
        pp._start = Stat(p.Id)?.Start; // null: it has already gone, and there is nothing to sample
        pp._sampler = new Timer(_ => pp.SampleOnTimer(), null, 0, 20);
        return pp;
    }

    /// <summary>One line of /proc/PID/stat: parent, state and start time (clock ticks after boot); null if gone.</summary>
    static (int PPid, char State, string Comm, ulong Start)? Stat(int pid)
    {
        string stat;
        try { stat = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        int close = stat.LastIndexOf(')');
        var f = stat[(close + 2)..].Split(' '); // fields from 3 on: state, ppid, pgrp, ...; starttime is field 22
        return (int.Parse(f[1], CultureInfo.InvariantCulture), f[0][0], stat[(stat.IndexOf('(') + 1)..close],
                ulong.Parse(f[19], CultureInfo.InvariantCulture));
    }

    /// <summary>The timer's sample. An exception thrown on a timer thread would end the test host, so it is kept and
    /// rethrown by the next <see cref="LiveDescendants"/> on the test's own thread.</summary>
    void SampleOnTimer()
    {
        try { SampleDescendants(); }
        catch (Exception e) { lock (_lock) _samplerFault ??= e; }
    }

    /// <summary>Adds every current descendant of the program to the set seen. Reads only /proc and the pid, never the
    /// Process object; once the program itself has gone (or is a zombie) its children have been re-parented and
    /// nothing more can be learned.</summary>
    void SampleDescendants()
    {
        if (_start is not { } start || Stat(_pid) is not { } self || self.Start != start || self.State is 'Z' or 'X') return;
        var children = new Dictionary<int, List<int>>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) continue;
            if (Stat(pid) is not { } st) continue;
            if (!children.TryGetValue(st.PPid, out var list)) children[st.PPid] = list = new();
            list.Add(pid);
        }
        var todo = new Stack<int>([_pid]);
        while (todo.Count > 0)
            foreach (int c in children.GetValueOrDefault(todo.Pop()) ?? [])
            {
                todo.Push(c);
                if (Stat(c) is { } st) lock (_lock) _descendants.TryAdd(c, st.Start);
            }
    }

    /// <summary>The program's descendants seen so far that are still alive (same start time, not a zombie): "PID COMM"
    /// with the name they have now (a child seen while still in setpriv, setsid or taskset has exec'd its program since;
    /// an exec keeps the pid and the start time).</summary>
    public List<string> LiveDescendants()
    {
        lock (_lock)
            if (_samplerFault is { } fault) throw new InvalidOperationException("sampling the program's descendants failed", fault);
        return LiveDescendantsSeen();
    }

    List<string> LiveDescendantsSeen()
    {
        SampleDescendants(); // now, too: the timer's last sample may be 20 ms old, or late on a loaded machine
        KeyValuePair<int, ulong>[] seen;
        lock (_lock) seen = _descendants.Select(d => KeyValuePair.Create(d.Key, d.Value)).ToArray();
        var live = new List<string>();
        foreach (var (pid, start) in seen)
            if (Stat(pid) is { } st && st.Start == start && st.State is not ('Z' or 'X')) live.Add($"{pid} {st.Comm}");
        return live;
    }

    /// <summary>Waits up to <paramref name="timeout"/> until no descendant the program ever had is alive; returns those still running.</summary>
    public List<string> WaitForDescendantsGone(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        List<string> left;
        while ((left = LiveDescendants()).Count > 0 && clock.Elapsed < timeout) Thread.Sleep(100);
        return left;
    }

    public string Output { get { lock (_lock) return _output.ToString(); } }

    /// <summary>Waits until the output (stdout and stderr) contains <paramref name="text"/>; false on timeout or exit.</summary>
    public bool WaitFor(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (Output.Contains(text, StringComparison.Ordinal)) return true;
            if (_p.HasExited) return Output.Contains(text, StringComparison.Ordinal);
            Thread.Sleep(50);
        }
        return false;
    }

    public void Signal(int sig)
    {
        if (kill(_pid, sig) != 0) throw new InvalidOperationException($"kill({_pid}, {sig}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Waits for the exit; the exit code (128 + the signal where a signal ended it), or null on timeout.</summary>
    public int? WaitForExit(TimeSpan timeout)
    {
        if (!_p.WaitForExit(timeout)) return null;
        _p.WaitForExit();
        return _p.ExitCode;
    }

    /// <summary>The processes of the group <paramref name="pgid"/> still alive (zombies excluded), from /proc.</summary>
    public static List<string> GroupMembers(int pgid)
    {
        var members = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out _)) continue;
            string stat;
            try { stat = File.ReadAllText(Path.Combine(dir, "stat")); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            int close = stat.LastIndexOf(')');
            var f = stat[(close + 2)..].Split(' '); // fields from 3 on: state, ppid, pgrp, ...
            if (f.Length > 2 && f[0] != "Z" && f[2] == pgid.ToString(CultureInfo.InvariantCulture))
                members.Add($"{Path.GetFileName(dir)} {stat[(stat.IndexOf('(') + 1)..close]}");
        }
        return members;
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the group to be empty; returns what is still running.</summary>
    public static List<string> WaitForEmptyGroup(int pgid, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        List<string> left;
        while ((left = GroupMembers(pgid)).Count > 0 && clock.Elapsed < timeout) Thread.Sleep(100);
        return left;
    }

    /// <summary>Whether this process ignores SIGINT (started in the background by a non-interactive shell): its
    /// children then inherit the ignored SIGINT and a SIGINT test has nothing to test.</summary>
    public static bool SigIntIgnoredHere()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("SigIgn:", StringComparison.Ordinal))
                return (ulong.Parse(line[7..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) & (1UL << (SIGINT - 1))) != 0;
        return false;
    }

    public void Dispose()
    {
        if (_sampler is { } sampler)
        {
            // Timer.Dispose() alone lets a callback already running go on; wait for it so that none runs after Dispose.
            using var done = new ManualResetEvent(false);
            if (sampler.Dispose(done)) done.WaitOne(TimeSpan.FromSeconds(10));
            _sampler = null;
        }
        try { if (!_p.HasExited) { kill(-_p.Id, SIGKILL); _p.WaitForExit(5000); } }
        catch (InvalidOperationException) { }
        foreach (string d in LiveDescendantsSeen()) kill(int.Parse(d[..d.IndexOf(' ')], CultureInfo.InvariantCulture), SIGKILL); // a failed test leaves nothing
        _p.Dispose();
    }
}
