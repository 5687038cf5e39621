namespace Experiments.Common;

/// <summary>
/// Keeps one experiment's output folder current while a sweep runs: after every finished point it rewrites
/// <c>results.csv</c> (all rows so far) and <c>meta.json</c> (status "incomplete" and the points not yet measured),
/// each atomically. An interrupted or killed run therefore leaves every finished point on disk and a meta.json that
/// names what is missing; <see cref="Finish"/> marks the run complete once every planned point is done or skipped.
/// </summary>
public sealed class ExperimentRecorder
{
    readonly List<ResultRow> _rows = new();
    readonly List<string> _remaining;

    public string Directory { get; }
    public RunMeta Meta { get; }
    public IReadOnlyList<ResultRow> Rows => _rows;
    public IReadOnlyList<string> Remaining => _remaining;

    /// <param name="directory">The experiment's folder, e.g. RUNDIR/fig1-shared-state.</param>
    /// <param name="plannedPoints">Names of every point the sweep will measure, in order.</param>
    public ExperimentRecorder(string directory, RunMeta meta, IEnumerable<string> plannedPoints)
    {
        if (File.Exists(Path.Combine(directory, ResultsFile.FileName)) || File.Exists(Path.Combine(directory, RunMeta.FileName)))
            throw new IOException($"{directory} already holds results of an earlier run; a run never overwrites finished results");
        Directory = directory;
        Meta = meta;
        _remaining = plannedPoints.ToList();
        if (_remaining.Distinct().Count() != _remaining.Count)
            throw new ArgumentException("planned point names must be unique", nameof(plannedPoints));
        Save();
    }

    public void AddNote(string note)
    {
        Meta.Notes.Add(note);
        Save();
    }

    /// <summary>Records the rows of a finished point and saves both files.</summary>
    public void Complete(string point, IEnumerable<ResultRow> rows)
    {
        if (!_remaining.Remove(point)) throw new ArgumentException($"point '{point}' was not planned or is already done", nameof(point));
        _rows.AddRange(rows);
        Save();
    }

    /// <summary>Marks the run finished. Status is "complete" only if no planned point is left.</summary>
    public void Finish(string? interruption = null)
    {
        if (interruption != null) Meta.Notes.Add(interruption);
        Meta.Status = _remaining.Count == 0 && interruption == null ? "complete" : "incomplete";
        Meta.Finished = DateTimeOffset.UtcNow;
        Save();
    }

    /// <summary>
    /// Order: results.csv, then meta.json, so that a kill between the two leaves rows meta.json still lists as missing,
    /// never a meta.json that counts rows results.csv lacks; except before results.csv first exists, when meta.json goes
    /// first (a folder with results.csv alone is half-written, one with meta.json alone an incomplete run).
    /// </summary>
    void Save()
    {
        Meta.Incomplete = _remaining.ToList();
        if (!File.Exists(Path.Combine(Directory, ResultsFile.FileName))) Meta.Save(Directory);
        ResultsFile.Write(Directory, _rows);
        Meta.Save(Directory);
    }
}
