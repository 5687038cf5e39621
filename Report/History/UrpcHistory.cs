using System.Globalization;
using CsvHelper;

namespace Report.History;

/// <summary>
/// Reads the URPC latency history CSV written by `Benchmarks run --history` (columns of Benchmarks/History/
/// HistoryRecord). Required: Commit, Date, Host, Benchmark, MedianNs; optional: Cpu, MedianCycles, Samples, Profile,
/// Cores, and, where a newer writer adds them, CiLowNs/CiHighNs/CiLowCycles/CiHighCycles (the run's 95% CI) and
/// Verdict (the comparer's: slower, faster, same, unknown). A file that is not such a CSV, a median that is not a
/// positive, finite time (MedianCycles may be empty or NaN: unknown), or a Samples that is not a whole number of at
/// least 0 (empty: 0), is an input error naming it.
/// </summary>
public static class UrpcHistory
{
    static readonly string[] Required = ["Commit", "Date", "Host", "Benchmark", "MedianNs"];

    public static IReadOnlyList<HistoryEntry> Read(string path)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new ReportInputException($"--history: {full} is a folder; expected the history CSV (e.g. Results/urpc-history.csv)");
        if (!File.Exists(full)) throw new ReportInputException($"--history: {full} does not exist");
        try
        {
            using var r = CsvReader.FromFile(full, new CsvReaderOptions
            {
                MalformedData = CsvMalformedDataHandling.Throw,
                FieldCountMismatch = CsvFieldCountHandling.Throw,
                FormatProvider = CultureInfo.InvariantCulture,
                // A line named in an error (and in the chapter's table) is the file's physical line: empty lines and
                // quoted fields of several lines count.
                TrackLineNumbers = true,
            });
            var headers = r.Headers.Select(h => h.Trim()).ToList();
            var missing = Required.Where(c => !headers.Contains(c, StringComparer.OrdinalIgnoreCase)).ToList();
            if (missing.Count > 0)
                throw new ReportInputException($"{full}: not a URPC history CSV: header lacks {string.Join(", ", missing)} (expected the columns of Benchmarks/History/HistoryRecord)");
            int Index(string name) => headers.FindIndex(h => h.Equals(name, StringComparison.OrdinalIgnoreCase));
            var entries = new List<HistoryEntry>();
            while (r.Read())
            {
                int line = checked((int)r.LineNumber);
                string Text(string name) => Index(name) is int i && i >= 0 && i < r.FieldCount ? r.GetString(i).Trim() : "";
                double Number(string name, bool required)
                {
                    string t = Text(name);
                    if (t.Length == 0 && !required) return double.NaN;
                    if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)) return v;
                    throw new ReportInputException($"{full}: line {line}: {name} '{t}' is not a number");
                }
                // The history's rule for a median (Experiments.Schema.HistoryMedian, also held by the tracker): a
                // positive, finite time; MedianCycles may be unknown (empty or NaN). A NaN that entered a series would
                // make the band of the runs after it NaN: no later run would be marked.
                double Median(string name, bool required)
                {
                    double v = Number(name, required);
                    if (HistoryMedian.IsValid(v, unknownAllowed: !required)) return v;
                    throw new ReportInputException($"{full}: line {line}: {name} '{Text(name)}' is not a positive, finite time");
                }
                // Samples is a count (0 where the file has none): anything else would show as a made-up count in
                // the table of every line.
                int Samples()
                {
                    string t = Text("Samples");
                    if (t.Length == 0) return 0;
                    if (int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out int n)) return n;
                    throw new ReportInputException($"{full}: line {line}: Samples '{t}' is not a count of measurements");
                }
                string date = Text("Date");
                if (!HistoryDate.TryParse(date, out var when))
                    throw new ReportInputException($"{full}: line {line}: Date '{date}' is not an ISO 8601 time");
                string bench = Text("Benchmark");
                if (bench.Length == 0) throw new ReportInputException($"{full}: line {line}: empty Benchmark");
                entries.Add(new HistoryEntry(line, Text("Commit"), when, Text("Host"), Text("Cpu"), bench,
                    Median("MedianNs", true), Median("MedianCycles", false),
                    Samples(),
                    Text("Profile"), Text("Cores"),
                    Number("CiLowNs", false), Number("CiHighNs", false), Number("CiLowCycles", false), Number("CiHighCycles", false),
                    Text("Verdict")));
            }
            return entries;
        }
        catch (ReportInputException) { throw; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new ReportInputException($"{full}: cannot be read ({e.Message})", e); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new ReportInputException($"{full}: not a valid URPC history CSV ({e.GetType().Name}: {e.Message})", e);
        }
    }
}
