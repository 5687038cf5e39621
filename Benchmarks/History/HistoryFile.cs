using CsvHelper;
using Experiments.Common;

namespace Benchmarks.History;

/// <summary>
/// The URPC latency history (<c>Results/urpc-history.csv</c>): each tracked run appends its medians. The file is
/// rewritten atomically (old rows + new rows to a temporary file, then renamed), so an interrupted append leaves the
/// previous history intact. An unreadable existing file is an error, never silently replaced. Every line, read or
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

    public static void Append(string path, IReadOnlyCollection<HistoryRecord> records)
    {
        foreach (var record in records)
        {
            if (LineProblem(record) is { } problem)
                throw new InvalidDataException($"{path}: not appended: {record.Benchmark}: {problem} (no line of this run was written)");
        }
        var all = Read(path);
        all.AddRange(records);
        AtomicFile.Write(path, s =>
        {
            using var w = CsvWriter.Create(s, null, leaveOpen: true);
            w.WriteRecords(all);
        });
    }

    static string? LineProblem(HistoryRecord r) =>
        !HistoryDate.TryParse(r.Date, out _) ? $"{nameof(HistoryRecord.Date)} '{r.Date}' is not an ISO 8601 time"
        : string.IsNullOrWhiteSpace(r.Benchmark) ? $"empty {nameof(HistoryRecord.Benchmark)}"
        : r.Samples < 0 ? $"{nameof(HistoryRecord.Samples)} '{r.Samples}' is not a count of measurements"
        : HistoryMedian.Problem(nameof(HistoryRecord.MedianNs), r.MedianNs, unknownAllowed: false)
          ?? HistoryMedian.Problem(nameof(HistoryRecord.MedianCycles), r.MedianCycles, unknownAllowed: true);
}
