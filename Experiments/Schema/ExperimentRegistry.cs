namespace Experiments.Schema;

/// <summary>
/// The experiment registry: ids, result folders, program folders, titles and figure numbers of every experiment, read
/// from <c>Experiments/Schema/experiments.tsv</c> (embedded in this library; run-all.sh reads the same file). Lines
/// keep the file's order, which is the run order.
/// </summary>
public static class ExperimentRegistry
{
    const string ResourceName = "Experiments.Schema.experiments.tsv";
    const int Columns = 9;

    static readonly Lazy<IReadOnlyList<RegisteredExperiment>> s_all = new(() =>
    {
        using var stream = typeof(ExperimentRegistry).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"the experiment registry {ResourceName} is not embedded in {typeof(ExperimentRegistry).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    });

    /// <summary>Every registered result folder, in run order.</summary>
    public static IReadOnlyList<RegisteredExperiment> All => s_all.Value;

    /// <summary>The entry of result folder <paramref name="folder"/>; throws naming the registered folders if there is none.</summary>
    public static RegisteredExperiment Get(string folder) =>
        Find(folder) ?? throw new KeyNotFoundException($"'{folder}' is not in the experiment registry (Experiments/Schema/experiments.tsv); registered: {string.Join(", ", All.Select(e => e.Folder))}");

    /// <summary>The entry of result folder <paramref name="folder"/>, or null.</summary>
    public static RegisteredExperiment? Find(string folder)
    {
        foreach (var e in All) if (e.Folder == folder) return e;
        return null;
    }

    /// <summary>The folders program <paramref name="program"/> (its run-all name, e.g. "fig1") writes, in order; throws if none.</summary>
    public static IReadOnlyList<RegisteredExperiment> OfProgram(string program)
    {
        var list = All.Where(e => e.Program == program).ToList();
        return list.Count > 0 ? list
            : throw new KeyNotFoundException($"no experiment of program '{program}' in the registry; programs: {string.Join(", ", All.Select(e => e.Program).Distinct())}");
    }

    /// <summary>Parses the registry's text (TAB-separated, '#' comments); throws <see cref="FormatException"/> naming the line.</summary>
    public static IReadOnlyList<RegisteredExperiment> Parse(string text)
    {
        var list = new List<RegisteredExperiment>();
        int lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            string line = raw.TrimEnd('\r');
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var f = line.Split('\t');
            if (f.Length != Columns || f.Any(x => x.Length == 0))
                throw new FormatException($"experiment registry line {lineNo}: {f.Length} fields, need {Columns} non-empty TAB-separated fields ('-' where nothing applies)");
            var e = new RegisteredExperiment(f[0], f[1], f[2], f[3] == "-" ? null : f[3], f[4], f[5]);
            if (list.Any(x => x.Folder == e.Folder))
                throw new FormatException($"experiment registry line {lineNo}: folder '{e.Folder}' is listed twice");
            list.Add(e);
        }
        return list;
    }
}
