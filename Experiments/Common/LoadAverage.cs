namespace Experiments.Common;

/// <summary>The host's load average line (/proc/loadavg), for the notes of a run.</summary>
public static class LoadAverage
{
    /// <summary>The text of /proc/loadavg, or "unknown" where it cannot be read.</summary>
    public static string Read()
    {
        try { return File.ReadAllText("/proc/loadavg").Trim(); }
        catch (IOException) { return "unknown"; }
    }
}
