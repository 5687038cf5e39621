using CsvHelper;

namespace Experiments.Schema;

/// <summary>Reads and writes an experiment's <c>results.csv</c> (rows of <see cref="ResultRow"/>), atomically.</summary>
public static class ResultsFile
{
    public const string FileName = "results.csv";

    public static void Write(string experimentDir, IEnumerable<ResultRow> rows)
    {
        var list = rows.ToList();
        AtomicFile.Write(Path.Combine(experimentDir, FileName), s =>
        {
            using var w = CsvWriter.Create(s, null, leaveOpen: true);
            w.WriteRecords(list);
        });
    }

    public static List<ResultRow> Read(string experimentDir)
    {
        string path = Path.Combine(experimentDir, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"no {FileName} in {experimentDir}", path);
        using var r = CsvReader.FromFile(path);
        return r.GetRecords<ResultRow>().ToList();
    }
}
