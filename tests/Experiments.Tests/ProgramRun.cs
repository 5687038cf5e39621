namespace Experiments.Tests;

/// <summary>Runs an experiment program's command line in-process and captures its exit code, stdout and stderr.</summary>
static class ProgramRun
{
    /// <summary>The in-process entry of an experiment program (e.g. Fig1Cli.Run).</summary>
    public delegate int Entry(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancel);

    public static (int Exit, string Out, string Err) Invoke(Entry program, string[] args, CancellationToken cancel = default)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int exit = program(args, o, e, cancel);
        return (exit, o.ToString(), e.ToString());
    }

    /// <summary>Asserts that <paramref name="program"/> refuses <paramref name="args"/> with exit code 2 and that its
    /// stderr contains each of <paramref name="mentions"/> (the option named, what is allowed).</summary>
    public static void AssertRefused(Entry program, string[] args, params string[] mentions)
    {
        var (exit, _, err) = Invoke(program, args);
        Assert.Equal(2, exit);
        foreach (var m in mentions) Assert.Contains(m, err);
    }
}

/// <summary>A stdout that cancels <paramref name="cts"/> at the first line written: the programs print a point's rows
/// once it is recorded, so the sweep stops before its second point.</summary>
sealed class CancelAfterFirstPoint(CancellationTokenSource cts) : StringWriter
{
    public override void WriteLine(string? value)
    {
        base.WriteLine(value);
        cts.Cancel();
    }
}
