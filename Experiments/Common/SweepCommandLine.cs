using System.CommandLine;

namespace Experiments.Common;

/// <summary>
/// The command line every sweep program shares, around the program's own options: --cores (from this process's
/// affinity mask), --iterations, --repetitions, --out, and the --quick/--full profiles with the check that refuses
/// both; what they chose (<see cref="Chosen"/>); the run folder checked before anything is measured; and the parse that
/// ends a refused command line with <see cref="ExitCode.BadInput"/>.
/// </summary>
public sealed class SweepCommandLine
{
    readonly string _program;
    readonly IReadOnlyList<int> _allowed;
    readonly Option<string> _cores, _outDir;

    /// <summary>--iterations, --repetitions and the profiles.</summary>
    public SweepSizeOptions Size { get; }

    /// <param name="program">The program's name as its messages start, e.g. "fig1".</param>
    /// <param name="coreRoles">What the program does with the cores, e.g. which core hosts the server.</param>
    /// <param name="experimentIds">The result folders the program can write, as --out's description lists them.</param>
    public SweepCommandLine(string program, string coreRoles, SweepSizeOptions size, params string[] experimentIds)
    {
        _program = program;
        _allowed = CoreList.Allowed();
        _cores = ExperimentOptions.Cores(_allowed, "Cores to use", "0-3,8", coreRoles);
        _outDir = ExperimentOptions.OutDir(experimentIds);
        Size = size;
    }

    /// <summary>The root command: <paramref name="description"/>; --cores, --iterations, --repetitions, then
    /// <paramref name="own"/>, then --out, --quick and --full.</summary>
    public RootCommand Root(string description, params Option[] own)
    {
        var root = new RootCommand(description);
        Option[] options = [_cores, Size.Iterations, Size.Repetitions, .. own, _outDir, Size.Profiles.Quick, Size.Profiles.Full];
        foreach (var o in options) root.Options.Add(o);
        Size.Profiles.AddCheckTo(root);
        return root;
    }

    /// <summary>What the shared options chose: the cores (all allowed ones by default), the run folder (a fresh one
    /// under Results/ by default), the profile and the size.</summary>
    public SweepChoice Chosen(ParseResult pr)
    {
        var (profile, iterations, repetitions) = Size.Chosen(pr);
        return new SweepChoice(CoreList.Parse(pr.GetValue(_cores) ?? "all", _allowed), pr.GetValue(_outDir) ?? ExperimentOptions.DefaultRunFolder(),
            profile, iterations, repetitions);
    }

    /// <summary>Whether <paramref name="outDir"/> can take <paramref name="experimentIds"/>; if not, says why on
    /// <paramref name="stderr"/> (the program then exits with <see cref="ExitCode.BadInput"/>).</summary>
    public bool RunFolderReady(string outDir, IEnumerable<string> experimentIds, TextWriter stderr) =>
        ExperimentOptions.RunFolderReady(outDir, experimentIds, _program, stderr);

    /// <summary>Parses <paramref name="args"/> and runs <paramref name="root"/>'s action (<see cref="ExperimentOptions.ParseAndInvoke"/>).</summary>
    public int Invoke(RootCommand root, string[] args, TextWriter stdout, TextWriter stderr) =>
        ExperimentOptions.ParseAndInvoke(root, args, _program, stdout, stderr);
}

