using CsvHelper;

namespace Report.Input;

/// <summary>
/// Reads an experiment's results.csv and refuses anything half-written: a missing column, a short or
/// badly quoted record, a number that does not parse. (The lenient defaults of the CSV reader would turn
/// a truncated last line into a row of zeros.) "NaN" parses: it is how a skipped or failed point has no value.
/// </summary>
public static class StrictResultsReader
{
    static readonly string[] RequiredColumns =
        ["Experiment", "Series", "Cores", "Param", "Metric", "Unit", "Median", "CiLow", "CiHigh", "MedianNs", "Samples", "Verified", "Note"];

    public static List<ResultRow> Read(string experimentDir)
    {
        string path = Path.Combine(experimentDir, ResultsFile.FileName);
        if (!File.Exists(path)) throw new ReportInputException($"{path}: missing (the experiment folder has no results)");
        string[] lines;
        try { lines = File.ReadAllLines(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new ReportInputException($"{path}: cannot be read ({e.Message})", e); }
        if (lines.Length == 0 || lines[0].Trim().Length == 0)
            throw new ReportInputException($"{path}: empty file (no header line); expected columns {string.Join(',', RequiredColumns)}");
        var header = lines[0].Split(',').Select(h => h.Trim().Trim('"')).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var missing = RequiredColumns.Where(c => !header.Contains(c)).ToList();
        if (missing.Count > 0)
            throw new ReportInputException($"{path}: header lacks column(s) {string.Join(", ", missing)}; expected {string.Join(',', RequiredColumns)}");

        var options = new CsvReaderOptions
        {
            Separator = ',',
            MalformedData = CsvMalformedDataHandling.Throw,
            FieldCountMismatch = CsvFieldCountHandling.Throw,
            MissingField = CsvMissingFieldHandling.Throw,
            FormatProvider = System.Globalization.CultureInfo.InvariantCulture,
            // Errors name a record by the file's physical line: a quoted Note may span several lines.
            TrackLineNumbers = true,
        };
        try
        {
            using var reader = CsvReader.FromFile(path, options);
            var rows = new List<ResultRow>();
            foreach (var row in reader.GetRecords<ResultRow>())
            {
                Validate(path, rows.Count + 1, reader.LineNumber, row);
                rows.Add(row);
            }
            return rows;
        }
        catch (ReportInputException) { throw; }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new ReportInputException($"{path}: not a valid results file ({e.GetType().Name}: {e.Message})", e);
        }
    }

    /// <summary>
    /// Checks what the CSV layer cannot: a row names its series and metric. A median that is not a finite number is
    /// allowed: skipped and failed points are written that way, and the report shows them as such (<see cref="RowStatus"/>).
    /// </summary>
    static void Validate(string path, int record, long line, ResultRow row)
    {
        string where = $"{path}: record {record} (line {line}, series '{row.Series}')";
        if (string.IsNullOrWhiteSpace(row.Series)) throw new ReportInputException($"{where}: empty Series");
        if (string.IsNullOrWhiteSpace(row.Metric)) throw new ReportInputException($"{where}: empty Metric");
        if (row.Cores < 0) throw new ReportInputException($"{where}: Cores = {row.Cores} is negative");
        if (row.Verified is not ("" or "pass" or "fail"))
            throw new ReportInputException($"{where}: Verified is '{row.Verified}'; allowed: pass, fail or empty");
    }
}
