using System.Diagnostics;

namespace Report.Tests;

/// <summary>
/// Makes a folder unwritable for the duration of a test, also for root (who ignores permission bits): as root with
/// `chattr +i` (immutable: nobody may create a file in it; needs a file system with attributes, such as ext4),
/// otherwise with mode 0555. <see cref="Locked"/> is false, with <see cref="Why"/>, where neither works here.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ReadOnlyFolder : IDisposable
{
    readonly string _dir;
    readonly bool _immutable;
    public bool Locked { get; }
    public string Why { get; }

    ReadOnlyFolder(string dir, bool locked, bool immutable, string why) { _dir = dir; Locked = locked; _immutable = immutable; Why = why; }

    public static ReadOnlyFolder Lock(string dir)
    {
        if (Environment.UserName != "root")
        {
            File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            return new ReadOnlyFolder(dir, true, false, "");
        }
        var (code, output) = Chattr("+i", dir);
        if (code != 0) return new ReadOnlyFolder(dir, false, false, $"running as root and `chattr +i {dir}` failed ({output.Trim()}): no way to make a folder unwritable for root here");
        return new ReadOnlyFolder(dir, true, true, "");
    }

    static (int Code, string Output) Chattr(string flag, string dir)
    {
        try
        {
            var psi = new ProcessStartInfo("chattr") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            psi.ArgumentList.Add(flag);
            psi.ArgumentList.Add(dir);
            using var p = Process.Start(psi)!;
            string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception e) { return (-1, $"chattr not available: {e.Message}"); }
    }

    public void Dispose()
    {
        if (!Locked) return;
        if (_immutable) Chattr("-i", _dir);
        else File.SetUnixFileMode(_dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
