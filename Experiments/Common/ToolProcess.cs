using System.Diagnostics;

namespace Experiments.Common;

/// <summary>A command-line tool (git, gcc's build script, the C twin) run to completion with its output captured.</summary>
public static class ToolProcess
{
    /// <summary>The exit code 127 given where the tool cannot be started, with the reason in Err.</summary>
    public const int NotStarted = 127;

    /// <summary>
    /// Runs <paramref name="file"/> with <paramref name="args"/> (in <paramref name="workingDirectory"/>, or this
    /// process's when null) and waits for it: (exit code, stdout, stderr), both read in full and untrimmed;
    /// (<see cref="NotStarted"/>, "", "cannot start FILE: why") where it cannot be started.
    /// </summary>
    public static (int Code, string Out, string Err) Capture(string file, string? workingDirectory, params string[] args) =>
        Capture(file, workingDirectory, tiedToThisProcess: false, args);

    /// <summary>As <see cref="Capture(string, string?, string[])"/>; with <paramref name="tiedToThisProcess"/> the tool is
    /// started through <see cref="ChildLaunch"/> and dies with this process however it ends, SIGKILL included (a
    /// measurement on the measured cores must not outlive its sweep).</summary>
    public static (int Code, string Out, string Err) Capture(string file, string? workingDirectory, bool tiedToThisProcess, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory != null) psi.WorkingDirectory = workingDirectory;
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var p = new Process { StartInfo = psi };
            if (tiedToThisProcess) ChildLaunch.Start(p);
            else p.Start();
            var err = p.StandardError.ReadToEndAsync();
            string o = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, o, err.Result);
        }
        catch (System.ComponentModel.Win32Exception e) { return (NotStarted, "", $"cannot start {file}: {e.Message}"); }
    }
}
