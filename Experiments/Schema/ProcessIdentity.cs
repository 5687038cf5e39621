using System.Globalization;

namespace Experiments.Schema;

/// <summary>
/// Names one process for as long as the machine runs: host, boot id (<c>/proc/sys/kernel/random/boot_id</c>), pid and
/// the process's start time in clock ticks since boot (field 22 of <c>/proc/PID/stat</c>), so that a reused pid is not
/// mistaken for it. run-all.sh writes these fields into the run-level meta.json (<c>host</c>, <c>bootId</c>, <c>pid</c>,
/// <c>pidStart</c>); a reader that finds <c>"state": "running"</c> asks <see cref="IsRunning"/> whether that is true
/// or a leftover of a run that was killed (SIGKILL, power loss).
/// </summary>
public sealed record ProcessIdentity(string Host, string BootId, int Pid, long StartTicks)
{
    /// <summary>This process.</summary>
    public static ProcessIdentity Current() =>
        new(Environment.MachineName, ReadBootId(), Environment.ProcessId, StartTicksOf(Environment.ProcessId) ?? -1);

    /// <summary>True if the process still runs, false if it certainly does not (same host: another boot, no such pid,
    /// or a pid reused by a later process), null where this machine cannot tell (another host, or no /proc).</summary>
    public bool? IsRunning()
    {
        if (!string.Equals(Host, Environment.MachineName, StringComparison.OrdinalIgnoreCase)) return null;
        string boot = ReadBootId();
        if (boot.Length == 0) return null;
        if (BootId != boot) return false;
        long? start = StartTicksOf(Pid);
        return start != null && start == StartTicks;
    }

    static string ReadBootId()
    {
        try { return File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return ""; }
    }

    /// <summary>Field 22 (starttime) of /proc/PID/stat, or null if there is no such process.</summary>
    static long? StartTicksOf(int pid)
    {
        string text;
        try { text = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        // The command name (field 2) is in parentheses and may hold spaces; the fields after its last ')' start at field 3.
        var rest = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return rest.Length > 19 && long.TryParse(rest[19], NumberStyles.None, CultureInfo.InvariantCulture, out long t) ? t : null;
    }
}
