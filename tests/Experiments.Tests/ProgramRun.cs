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

    /// <summary>Asserts that <paramref name="program"/> refuses <paramref name="option"/> <paramref name="value"/>
    /// (<see cref="AssertRefused"/>, naming <paramref name="named"/> and <paramref name="allowed"/>) and creates no
    /// <paramref name="experimentFolder"/> in the run folder it was given.</summary>
    public static void AssertRefusedWritingNothing(Entry program, string experimentFolder, string option, string value, string named, string allowed)
    {
        string dir = TestCores.TempDir();
        AssertRefused(program, [option, value, "--out", dir], named, allowed);
        Assert.False(Directory.Exists(Path.Combine(dir, experimentFolder)));
    }

    /// <summary>Asserts that <paramref name="program"/> refuses a file given as its --out run folder (naming --out);
    /// returns the file.</summary>
    public static string AssertFileAsOutRefused(Entry program)
    {
        string file = Path.Combine(TestCores.TempDir(), "a-file");
        File.WriteAllText(file, "x");
        AssertRefused(program, ["--out", file], "--out");
        return file;
    }

    /// <summary>
    /// Runs <paramref name="program"/> with <paramref name="args"/> on one core and a stdout that cancels after the
    /// first finished point (<see cref="CancelAfterFirstPoint"/>); asserts it exits with <paramref name="interruptedExit"/> (the
    /// suite's <see cref="ExitCode.Interrupted"/>, 130, or a program's own constant, which must equal it) and that
    /// <paramref name="experimentFolder"/>'s meta.json says incomplete with an "interrupted" note.
    /// Returns the run folder, the experiment's rows and its meta.
    /// </summary>
    public static (string Dir, List<ResultRow> Rows, RunMeta Meta) RunInterruptedAfterFirstPoint(Entry program, string[] args, string experimentFolder, int interruptedExit)
    {
        string dir = TestCores.TempDir();
        using var cts = new CancellationTokenSource();
        int exit = program([.. args, "--cores", $"{TestCores.First(1)[0]}", "--out", dir], new CancelAfterFirstPoint(cts), new StringWriter(), cts.Token);
        Assert.Equal(ExitCode.Interrupted, interruptedExit);
        Assert.Equal(interruptedExit, exit);
        string fig = Path.Combine(dir, experimentFolder);
        var meta = RunMeta.Load(fig);
        Assert.Equal("incomplete", meta.Status);
        Assert.Contains(meta.Notes, n => n.Contains("interrupted"));
        return (dir, ResultsFile.Read(fig).ToList(), meta);
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
