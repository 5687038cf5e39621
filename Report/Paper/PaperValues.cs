using System.Globalization;
using CsvHelper;

namespace Report.Paper;

/// <summary>
/// The paper's values (paper-values.csv) and where they were read from. Default source: the team's
/// <c>../shared/reference/paper-values.csv</c> beside the repository when present, else the copy built into
/// the program (Report/paper-values.csv, an embedded resource), so that a bundle on a server still has them.
/// </summary>
public sealed class PaperValues
{
    public const string ResourceName = "Report.paper-values.csv";
    public const string SharedRelativePath = "../shared/reference/paper-values.csv";

    public IReadOnlyList<PaperValue> Values { get; }
    /// <summary>Where the values came from: a file path or "built-in copy".</summary>
    public string Source { get; }

    PaperValues(IReadOnlyList<PaperValue> values, string source) { Values = values; Source = source; }

    public IReadOnlyList<PaperValue> ForFigure(string figure) => Values.Where(v => v.Figure == figure).ToList();

    /// <summary>Loads from <paramref name="explicitPath"/> if given (it must exist), else the default source.</summary>
    public static PaperValues Load(string? explicitPath)
    {
        if (explicitPath is not null)
        {
            string full = Path.GetFullPath(explicitPath);
            if (Directory.Exists(full)) throw new Input.ReportInputException($"--paper-values: {full} is a folder; give the paper-values.csv file");
            if (!File.Exists(full)) throw new Input.ReportInputException($"--paper-values: {full} does not exist");
            return new PaperValues(Parse(ReadAll(full), full), full);
        }
        string? shared = FindSharedCopy();
        if (shared is not null) return new PaperValues(Parse(ReadAll(shared), shared), shared);
        return BuiltIn();
    }

    /// <summary>The text of <paramref name="path"/>; a file that cannot be read is an input error naming it.</summary>
    static string ReadAll(string path)
    {
        try { return File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new Input.ReportInputException($"{path}: the paper values cannot be read ({e.Message})", e);
        }
    }

    /// <summary>The copy compiled into the program.</summary>
    public static PaperValues BuiltIn()
    {
        using var s = typeof(PaperValues).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"resource {ResourceName} is missing from the report program (build error)");
        using var r = new StreamReader(s);
        return new PaperValues(Parse(r.ReadToEnd(), "built-in copy (Report/paper-values.csv)"), "built-in copy (Report/paper-values.csv)");
    }

    /// <summary>The raw text of the built-in copy (for the drift check against the shared one).</summary>
    public static string BuiltInText()
    {
        using var s = typeof(PaperValues).Assembly.GetManifestResourceStream(ResourceName)!;
        return new StreamReader(s).ReadToEnd();
    }

    /// <summary>../shared/reference/paper-values.csv relative to the repository root holding this program, if both exist.</summary>
    static string? FindSharedCopy()
    {
        string? root = RepositoryRoot.Find();
        if (root is null) return null;
        string candidate = Path.GetFullPath(Path.Combine(root, SharedRelativePath));
        return File.Exists(candidate) ? candidate : null;
    }

    public static IReadOnlyList<PaperValue> Parse(string csv, string source)
    {
        var options = new CsvReaderOptions
        {
            CommentPrefix = '#',
            Separator = ',',
            MalformedData = CsvMalformedDataHandling.Throw,
            FieldCountMismatch = CsvFieldCountHandling.Throw,
            FormatProvider = CultureInfo.InvariantCulture,
        };
        List<PaperValueRecord> raw;
        try
        {
            using var reader = CsvReader.FromText(csv, options);
            raw = reader.GetRecords<PaperValueRecord>().ToList();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new Input.ReportInputException($"{source}: not a valid paper-values CSV ({e.Message})", e);
        }
        var values = new List<PaperValue>(raw.Count);
        for (int i = 0; i < raw.Count; i++)
        {
            var r = raw[i];
            string where = $"{source}: record {i + 1} ({r.Figure}, {r.Series})";
            if (r.Figure.Length == 0 || r.Series.Length == 0) throw new Input.ReportInputException($"{where}: empty figure or series");
            // TryParse reads "NaN" and "Infinity" too; a paper value is a finite number, or a chart's axes cannot hold it.
            if (!double.TryParse(r.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
                throw new Input.ReportInputException($"{where}: value '{r.Value}' is not a finite number");
            int? cores = null;
            if (r.Cores.Length > 0)
            {
                if (!int.TryParse(r.Cores, NumberStyles.None, CultureInfo.InvariantCulture, out int c))
                    throw new Input.ReportInputException($"{where}: cores '{r.Cores}' is not a whole number");
                cores = c;
            }
            values.Add(new PaperValue(r.Figure, r.Series, r.Machine, cores, value, r.Unit, r.Precision, r.Note));
        }
        return values;
    }
}
