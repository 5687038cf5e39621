namespace TestSupport;

/// <summary>
/// Makes a file that opening for reading refuses with "permission denied" (UnauthorizedAccessException), as a file
/// of another user with mode 0600 is for these programs: not root, the file's mode becomes 0000; as root (who ignores
/// permission bits) the file is replaced by a symbolic link to a kernel file that refuses reads even to root (a
/// write-only /proc/sys or /sys control, never written to). <see cref="Make"/> returns why not where neither works here.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public static class UnreadableFile
{
    static readonly string[] WriteOnlyKernelFiles = ["/proc/sys/vm/compact_memory", "/proc/sys/vm/drop_caches", "/sys/bus/pci/rescan"];

    /// <summary>Makes <paramref name="path"/> (an existing file) unreadable; null when done, else why it could not be.</summary>
    public static string? Make(string path)
    {
        if (Environment.UserName != "root")
        {
            File.SetUnixFileMode(path, UnixFileMode.None);
            return Refuses(path) ? null : $"mode 0000 on {path} does not stop this user reading it";
        }
        foreach (var target in WriteOnlyKernelFiles)
        {
            if (!Refuses(target)) continue;
            File.Delete(path);
            File.CreateSymbolicLink(path, target);
            return null;
        }
        return $"running as root and none of {string.Join(", ", WriteOnlyKernelFiles)} refuses reads here: no file root cannot read";
    }

    /// <summary>
    /// Makes <paramref name="path"/> unreadable (the test skips, saying why, where that cannot be done here), then
    /// asserts that <paramref name="read"/> refuses it with a <typeparamref name="TError"/> that names the file and says
    /// it cannot be read.
    /// </summary>
    public static TError AssertRefused<TError>(string path, Action read) where TError : Exception
    {
        if (Make(path) is { } why) Assert.Skip(why);
        var e = Assert.Throws<TError>(read);
        Assert.Contains(path, e.Message);
        Assert.Contains("cannot be read", e.Message);
        return e;
    }

    static bool Refuses(string path)
    {
        try
        {
            using var f = File.OpenRead(path);
            return false;
        }
        catch (UnauthorizedAccessException) { return true; }
        catch (IOException) { return false; }
    }
}
