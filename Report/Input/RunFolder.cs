using System.Text.Json;
using ExperimentMeta = Experiments.Schema.RunMeta;

namespace Report.Input;

/// <summary>
/// A run folder as the report sees it: the experiments that wrote results, those that failed before writing
/// anything, and run-all's run-level meta.json if there is one. Loading never changes or deletes anything.
/// </summary>
public sealed record RunFolder(
    string Path,
    string Name,
    IReadOnlyList<ExperimentResult> Experiments,
    IReadOnlyList<FailedExperiment> Failed,
    RunLevelMeta? RunMeta)
{
    public const string LogFileName = "log.txt";

    public ExperimentResult? Find(string experiment) => Experiments.FirstOrDefault(e => e.Name == experiment);

    /// <summary>
    /// Loads <paramref name="path"/>. Throws <see cref="ReportInputException"/> naming the path and the problem when
    /// the folder is missing, holds no experiment folders, or holds a half-written one (results.csv without
    /// meta.json, meta.json of a complete run without results.csv, a file that cannot be read or does not parse), or a
    /// registered experiment's folder whose meta.json or rows name another experiment.
    /// </summary>
    public static RunFolder Load(string path)
    {
        // No trailing separator ("Results/x/" is Results/x): the parent of the folder is then the folder above it.
        string full = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(path));
        if (File.Exists(full)) throw new ReportInputException($"{full}: is a file; --run expects a run folder (Results/<host>-<timestamp>/)");
        if (!Directory.Exists(full)) throw new ReportInputException($"{full}: run folder does not exist");

        // An experiment's folder given for its run's (Results/<run>/fig1-shared-state): its meta.json is not run-all's,
        // and it holds no experiment folders; say what it is and which folder to give.
        if (File.Exists(System.IO.Path.Combine(full, ResultsFile.FileName)))
            throw new ReportInputException($"{full}: is an experiment's folder (it holds {ResultsFile.FileName}), not a run folder; give the run folder that holds it: {System.IO.Path.GetDirectoryName(full)}");
        var runMeta = RunLevelMeta.TryLoad(System.IO.Path.Combine(full, ExperimentMeta.FileName));
        var dirs = Directory.GetDirectories(full)
            .Where(d => !System.IO.Path.GetFileName(d).StartsWith('.'))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (dirs.Count == 0)
            throw new ReportInputException($"{full}: holds no experiment folders (expected sub-folders such as fig1-shared-state/ with results.csv and meta.json)");

        var experiments = new List<ExperimentResult>();
        var failed = new List<FailedExperiment>();
        var problems = new List<string>();
        foreach (var dir in dirs)
        {
            try
            {
                var loaded = LoadExperiment(dir);
                if (loaded.Result is not null) experiments.Add(loaded.Result);
                else if (loaded.Failure is not null) failed.Add(loaded.Failure);
            }
            catch (ReportInputException e) { problems.Add(e.Message); }
        }
        if (problems.Count > 0)
            throw new ReportInputException(problems.Count == 1
                ? problems[0]
                : $"{problems.Count} experiment folders in {full} cannot be used:\n  " + string.Join("\n  ", problems));
        return new RunFolder(full, System.IO.Path.GetFileName(full), experiments, failed, runMeta);
    }

    static (ExperimentResult? Result, FailedExperiment? Failure) LoadExperiment(string dir)
    {
        string name = System.IO.Path.GetFileName(dir);
        string results = System.IO.Path.Combine(dir, ResultsFile.FileName);
        string meta = System.IO.Path.Combine(dir, ExperimentMeta.FileName);
        string log = System.IO.Path.Combine(dir, LogFileName);
        foreach (var file in new[] { results, meta })
            if (Directory.Exists(file)) throw new ReportInputException($"{file}: is a folder; expected the experiment's file of that name");
        bool hasResults = File.Exists(results), hasMeta = File.Exists(meta);

        if (!hasResults && !hasMeta)
        {
            if (File.Exists(log)) return (null, new FailedExperiment(name, dir, log, Tail(log, 15)));
            throw new ReportInputException($"{dir}: neither {ResultsFile.FileName} nor {ExperimentMeta.FileName} (and no {LogFileName}): not an experiment folder, or one whose writing never started");
        }
        if (!hasMeta)
            throw new ReportInputException($"{meta}: missing ({ResultsFile.FileName} is there): half-written experiment folder");

        ExperimentMeta runMeta = LoadMeta(meta, dir);
        // A registered folder's files name its experiment (experiments.tsv: the folder is also RunMeta.Experiment and
        // ResultRow.Experiment); files that name another were copied into the wrong folder, and their rows would be
        // drawn under this folder's figures and judged by its claims.
        bool registered = global::Experiments.Schema.ExperimentRegistry.Find(name) is not null;
        if (registered && runMeta.Experiment != name)
            throw new ReportInputException($"{meta}: names experiment \"{runMeta.Experiment}\", but the folder is {name}/ (written by another experiment and copied here?)");
        if (!hasResults)
        {
            if (string.Equals(runMeta.Status, "complete", StringComparison.OrdinalIgnoreCase))
                throw new ReportInputException($"{results}: missing although {ExperimentMeta.FileName} says Status \"complete\": half-written experiment folder");
            // An experiment that declared itself incomplete before its first point: shown with its warning and no data.
            return (new ExperimentResult(name, dir, runMeta, []), null);
        }
        var rows = StrictResultsReader.Read(dir);
        if (registered && rows.FindIndex(r => r.Experiment != name) is var i and >= 0)
            throw new ReportInputException($"{results}: record {i + 1} names experiment \"{rows[i].Experiment}\", but the folder is {name}/ (written by another experiment and copied here?)");
        return (new ExperimentResult(name, dir, runMeta, rows), null);
    }

    static ExperimentMeta LoadMeta(string metaPath, string dir)
    {
        try
        {
            var m = ExperimentMeta.Load(dir);
            if (m.Status is not ("complete" or "incomplete"))
                throw new ReportInputException($"{metaPath}: Status is \"{m.Status}\"; allowed: \"complete\" or \"incomplete\"");
            if (NullFields.First(m) is { } field)
                throw new ReportInputException($"{metaPath}: \"{field}\" is null; expected a value (\"\" or [] for none)");
            // Every experiment program writes both; a file without them (hand-made, or cut to its status) would be shown
            // as an experiment of no name started in the year 1.
            if (m.Experiment.Length == 0)
                throw new ReportInputException($"{metaPath}: \"experiment\" is missing or empty; expected the experiment's id, as every experiment program writes it");
            if (m.Started == default)
                throw new ReportInputException($"{metaPath}: \"started\" is missing; expected when the experiment started, as every experiment program writes it");
            return m;
        }
        catch (JsonException e) { throw new ReportInputException($"{metaPath}: not a valid meta.json ({e.Message})", e); }
        catch (InvalidDataException e) { throw new ReportInputException(e.Message, e); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new ReportInputException($"{metaPath}: cannot be read ({e.Message})", e); }
    }

    /// <summary>The last <paramref name="lines"/> lines of the log, or one line saying why it cannot be read.</summary>
    static IReadOnlyList<string> Tail(string path, int lines)
    {
        try
        {
            var all = File.ReadAllLines(path);
            return all.Skip(Math.Max(0, all.Length - lines)).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return [$"({path} cannot be read: {e.Message})"]; }
    }
}
