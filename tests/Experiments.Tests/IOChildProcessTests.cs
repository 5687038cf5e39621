namespace Experiments.Tests;

/// <summary>The external programs of the IO experiment (wrk, lighttpd, the Kestrel child) and the program's stop signals.</summary>
public class IOChildProcessTests
{
    /// <summary>
    /// A terminal's Ctrl-C sends SIGINT to its whole foreground process group, and <c>timeout</c> signals its own group:
    /// a child in this program's group would get the signal too (wrk ends its run early, lighttpd and Kestrel stop
    /// serving), while the program finishes the series in progress on the first signal. A child runs in a process
    /// group of its own, so that the signal reaches only this program.
    /// </summary>
    [Fact]
    public void AChildRunsOutsideThisProgramsProcessGroup()
    {
        using var child = ChildProcess.Start("cat", ["/proc/self/stat"]);
        Assert.True(child.WaitForExit(TimeSpan.FromSeconds(10)), "cat did not end");
        Assert.Equal(0, child.ExitCode);
        Assert.NotEqual(Field(File.ReadAllText("/proc/self/stat"), 5), Field(child.Output, 5));
        // Started in place, not forked off: its parent is this program, so it still dies with it (the parent-death signal).
        Assert.Equal(Environment.ProcessId, Field(child.Output, 4));
    }

    /// <summary>Field <paramref name="n"/> (from 3 on) of a /proc/PID/stat line: 4 the parent, 5 the process group.</summary>
    static long Field(string stat, int n) => long.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[n - 3]);
}
