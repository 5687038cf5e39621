using CsvHelper;
using Experiments.Common;

namespace Benchmarks.History;

/// <summary>
/// The URPC latency history (<c>Results/urpc-history.csv</c>): each tracked run appends its medians. The file is
/// rewritten atomically (old rows + new rows to a temporary file, then renamed), so an interrupted append leaves the
/// previous history intact. An unreadable existing file is an error, never silently replaced.
/// </summary>
public static class HistoryFile
{
    public const string DefaultRelativePath = "Results/urpc-history.csv";

    public static List<HistoryRecord> Read(string path)
    {
        if (!File.Exists(path)) return new List<HistoryRecord>();
        try
        {
            using var r = CsvReader.FromFile(path);
            return r.GetRecords<HistoryRecord>().ToList();
        }
        catch (Exception e) when (e is not IOException)
        {
            throw new InvalidDataException($"{path}: not a readable URPC history CSV ({e.Message}); move it aside or fix it, the tracker will not overwrite it", e);
        }
    }

    public static void Append(string path, IReadOnlyCollection<HistoryRecord> records)
    {
        var all = Read(path);
        all.AddRange(records);
        AtomicFile.Write(path, s =>
        {
            using var w = CsvWriter.Create(s, null, leaveOpen: true);
            w.WriteRecords(all);
        });
    }
}
