using CsvHelper;
using Experiments.Common;

namespace Benchmarks.History;

/// <summary>
/// The URPC latency history (<c>Results/urpc-history.csv</c>): each tracked run appends its medians. The file is
/// rewritten atomically (old rows + new rows to a temporary file, then renamed), so an interrupted append leaves the
/// previous history intact; appends hold the history's lock file, so two at once keep both runs' rows. An unreadable existing file is an error, never silently replaced. Every line, read or
/// appended, obeys the rules the report reads the history by (<see cref="HistoryDate"/>, a Benchmark name, a
/// Samples count of at least 0, <see cref="HistoryMedian"/>): a history the tracker accepts is one the report can draw.
/// </summary>
public static class HistoryFile
{
    public const string DefaultRelativePath = "Results/urpc-history.csv";

    public static List<HistoryRecord> Read(string path)
    {
        if (!File.Exists(path)) return new List<HistoryRecord>();
        List<HistoryRecord> rows;
        try
        {
            using var r = CsvReader.FromFile(path);
            rows = r.GetRecords<HistoryRecord>().ToList();
        }
        catch (Exception e) when (e is not IOException)
        {
            throw new InvalidDataException($"{path}: not a readable URPC history CSV ({e.Message}); move it aside or fix it, the tracker will not overwrite it", e);
        }
        for (int i = 0; i < rows.Count; i++)
        {
            // Line 1 is the header; the writer puts one record on each line after it.
            if (LineProblem(rows[i]) is { } problem)
                throw new InvalidDataException($"{path}: line {i + 2}: {problem}; move it aside or fix it, the tracker will not append to it");
        }
        return rows;
    }

    /// <summary>How long an append waits for another one of the same history to finish.</summary>
    public static readonly TimeSpan LockWait = TimeSpan.FromSeconds(60);

    public static void Append(string path, IReadOnlyCollection<HistoryRecord> records) => Append(path, records, LockWait);

    /// <summary>Appends under the history's lock (<c>PATH.lock</c>, held open exclusively, which on Linux is an
    /// <c>flock</c> other processes see): the read and the rename of two appends never interleave, so neither loses the
    /// other's rows. Throws <see cref="IOException"/> naming the file, having written nothing, when the lock stays
    /// taken longer than <paramref name="lockWait"/>.</summary>
    internal static void Append(string path, IReadOnlyCollection<HistoryRecord> records, TimeSpan lockWait)
    {
        foreach (var record in records)
        {
            if (LineProblem(record) is { } problem)
                throw new InvalidDataException($"{path}: not appended: {record.Benchmark}: {problem} (no line of this run was written)");
        }
        using var held = Lock(path, lockWait);
        var all = Read(path);
        all.AddRange(records);
        AtomicFile.Write(path, s =>
        {
            using var w = CsvWriter.Create(s, null, leaveOpen: true);
            w.WriteRecords(all);
        });
    }

    static FileStream Lock(string path, TimeSpan wait)
    {
        string lockPath = Path.GetFullPath(path) + ".lock";
        Directory.CreateDirectory(Path.GetDirectoryName(lockPath)!);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try { return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
            catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
            {
                if (waited.Elapsed >= wait)
                    throw new IOException($"{path}: not appended: another run has been appending to it for {wait.TotalSeconds:F1} s (lock {lockPath}); no line of this run was written", e);
                Thread.Sleep(20);
            }
        }
    }

    static string? LineProblem(HistoryRecord r) =>
        !HistoryDate.TryParse(r.Date, out _) ? $"{nameof(HistoryRecord.Date)} '{r.Date}' is not an ISO 8601 time"
        : string.IsNullOrWhiteSpace(r.Benchmark) ? $"empty {nameof(HistoryRecord.Benchmark)}"
        : r.Samples < 0 ? $"{nameof(HistoryRecord.Samples)} '{r.Samples}' is not a count of measurements"
        : HistoryMedian.Problem(nameof(HistoryRecord.MedianNs), r.MedianNs, unknownAllowed: false)
          ?? HistoryMedian.Problem(nameof(HistoryRecord.MedianCycles), r.MedianCycles, unknownAllowed: true);
}
