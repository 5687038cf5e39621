using System.Globalization;

namespace Experiments.Common;

/// <summary>
/// A temporary folder of this process (<c>TMP/&lt;prefix&gt;-&lt;pid&gt;-&lt;random&gt;</c>), deleted on
/// <see cref="Dispose"/>. A process killed with SIGKILL cannot delete its own, so creating one first deletes the folders
/// with the same prefix whose process no longer exists.
/// </summary>
public sealed class ScratchFolder : IDisposable
{
    public string Path { get; }

    ScratchFolder(string path) => Path = path;

    public static ScratchFolder Create(string prefix)
    {
        RemoveStale(prefix);
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{prefix}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..12]}");
        Directory.CreateDirectory(path);
        return new ScratchFolder(path);
    }

    /// <summary>Deletes TMP/&lt;prefix&gt;-&lt;pid&gt;-* folders whose process is gone (no /proc/&lt;pid&gt;).</summary>
    public static int RemoveStale(string prefix)
    {
        int removed = 0;
        string tmp = System.IO.Path.GetTempPath();
        if (!Directory.Exists("/proc/self")) return 0; // cannot tell live processes from dead ones here
        foreach (var dir in Directory.EnumerateDirectories(tmp, prefix + "-*"))
        {
            var parts = System.IO.Path.GetFileName(dir)[(prefix.Length + 1)..].Split('-');
            if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) continue;
            if (Directory.Exists($"/proc/{pid}")) continue;
            try { Directory.Delete(dir, recursive: true); removed++; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return removed;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
