using System.CommandLine;
using System.Globalization;

namespace Experiments.Common;

/// <summary>
/// The options every experiment program shares (--cores, a ranged whole number such as --iterations or
/// --repetitions, --out) and how a program parses its command line. A bad value names the option, what was wrong and
/// what is allowed; a refused command line exits with <see cref="ExitCode.BadInput"/>.
/// </summary>
public static class ExperimentOptions
{
    /// <summary>--cores: "all" or a list such as 0-3,8 of cores in <paramref name="allowed"/> (checked by <see cref="CoreList.Parse"/>).</summary>
    /// <param name="subject">How the description starts, e.g. "Cores to use".</param>
    /// <param name="example">A list shown as an example, e.g. "0-3,8".</param>
    /// <param name="roles">What the program does with the cores, appended to the description.</param>
    public static Option<string> Cores(IReadOnlyList<int> allowed, string subject, string example, string roles)
    {
        var cores = new Option<string>("--cores")
        {
            Description = $"{subject}, a list or ranges such as {example} or 'all' (default: all allowed, here {CoreList.Format(allowed)}). {roles}",
            DefaultValueFactory = _ => "all",
        };
        cores.Validators.Add(r =>
        {
            try { CoreList.Parse(r.GetValueOrDefault<string>() ?? "", allowed); }
            catch (FormatException e) { r.AddError(e.Message); }
        });
        return cores;
    }

    /// <summary>An optional whole-number option with a range; a bad value names the option, the value and the range.</summary>
    public static Option<int?> Int(string name, string description, int min, int max) => new(name)
    {
        Description = $"{description}; {min} to {max}",
        CustomParser = r =>
        {
            string text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
            {
                r.AddError($"{name}: '{text}' is not a whole number; allowed: {min} to {max}");
                return null;
            }
            if (v < min || v > max)
            {
                r.AddError($"{name}: {v} is out of range; allowed: {min} to {max}");
                return null;
            }
            return v;
        },
    };

    /// <summary>
    /// An option that takes one of a few words (<paramref name="allowed"/>, the first the default); a bad value names
    /// the option, the value, what the words name (<paramref name="kind"/>) and the allowed ones.
    /// </summary>
    public static Option<string> Choice(string name, string description, string kind, params string[] allowed)
    {
        var option = new Option<string>(name) { Description = description, DefaultValueFactory = _ => allowed[0] };
        option.Validators.Add(r =>
        {
            string? v = r.GetValueOrDefault<string>();
            if (!allowed.Contains(v)) r.AddError($"{name}: '{v}' is not {kind}; allowed: {string.Join(", ", allowed)}");
        });
        return option;
    }

    /// <summary>--out: the run folder (not empty, not an existing file); results go to one subfolder per experiment.</summary>
    /// <param name="experimentIds">The subfolders the program writes, as the description lists them.</param>
    public static Option<string> OutDir(params string[] experimentIds)
    {
        var outDir = new Option<string>("--out")
        {
            Description = $"Run folder; results go to {string.Join(" and ", experimentIds.Select(id => $"<out>/{id}"))} (default: Results/<host>-<timestamp>)",
        };
        outDir.Validators.Add(r =>
        {
            string? v = r.GetValueOrDefault<string>();
            if (string.IsNullOrWhiteSpace(v)) r.AddError("--out: the run folder must not be empty");
            else if (v.StartsWith('-')) r.AddError($"--out: '{v}' looks like an option, not a folder (was the folder left out?); for a folder of that name write ./{v}");
            else if (File.Exists(v)) r.AddError($"--out: '{v}' is a file; give a folder (it is created if missing)");
        });
        return outDir;
    }

    /// <summary>Makes the run folder ready (<see cref="PrepareRunFolder"/>); if it cannot be, prints the reason as one
    /// line starting with <paramref name="program"/> and returns false (the program then exits with <see cref="ExitCode.BadInput"/>).</summary>
    public static bool RunFolderReady(string outDir, IEnumerable<string> experimentIds, string program, TextWriter stderr)
    {
        string? problem = PrepareRunFolder(outDir, experimentIds);
        if (problem != null) stderr.WriteLine($"{program}: {problem}");
        return problem == null;
    }

    /// <summary>
    /// Makes the run folder ready before anything is measured: creates it (and its parents) if missing, checks that a
    /// file can be written in it, and that none of <paramref name="experimentIds"/> already holds results there (a run
    /// never overwrites finished results). Returns the one-line --out error to print (the program then exits with
    /// <see cref="ExitCode.BadInput"/>), or null when the folder is ready.
    /// </summary>
    public static string? PrepareRunFolder(string outDir, IEnumerable<string> experimentIds)
    {
        try
        {
            foreach (var id in experimentIds)
            {
                string dir = Path.Combine(outDir, id);
                if (File.Exists(dir)) return $"--out: '{dir}' is a file; the results of {id} go into a folder of that name: choose another run folder";
                if (File.Exists(Path.Combine(dir, ResultsFile.FileName)) || File.Exists(Path.Combine(dir, RunMeta.FileName)))
                    return $"--out: '{dir}' already holds results of an earlier run, and a run never overwrites finished results: choose a new run folder (or move that one away)";
            }
            Directory.CreateDirectory(outDir);
            string probe = Path.Combine(outDir, $".write-probe.{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return $"--out: cannot create or write the run folder '{outDir}': {e.Message}";
        }
    }

    /// <summary>The run folder when --out is not given: Results/&lt;host&gt;-&lt;local timestamp&gt;.</summary>
    public static string DefaultRunFolder() =>
        Path.Combine("Results", $"{Environment.MachineName}-{DateTime.Now:yyyyMMdd-HHmmss}");

    /// <summary>
    /// Parses <paramref name="args"/> against <paramref name="root"/>. Errors are printed one per line prefixed with
    /// <paramref name="program"/> and give <see cref="ExitCode.BadInput"/> without running anything; otherwise the
    /// root's action runs (exceptions are not caught) and its result is returned.
    /// </summary>
    public static int ParseAndInvoke(RootCommand root, string[] args, string program, TextWriter stdout, TextWriter stderr)
    {
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var e in parsed.Errors) stderr.WriteLine($"{program}: {e.Message}");
            stderr.WriteLine($"{program}: run with --help for the options and their allowed values");
            return ExitCode.BadInput;
        }
        return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
    }
}
