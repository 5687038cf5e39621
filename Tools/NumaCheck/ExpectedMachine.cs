using System.Globalization;

namespace NumaCheck;

/// <summary>
/// The machine the emulator was told to build (scripts/numa-vm/topologies.tsv): <see cref="Sockets"/> packages of
/// <see cref="CoresPerSocket"/> cores, one NUMA node and one L3 per package, CPUs numbered socket by socket or
/// interleaved across sockets, and the SLIT <see cref="Distances"/> between the nodes.
/// </summary>
public sealed record ExpectedMachine(int Sockets, int CoresPerSocket, bool Interleaved, int[][] Distances)
{
    public int Cpus => Sockets * CoresPerSocket;

    /// <summary>The OS CPU numbers of socket <paramref name="socket"/>, ascending.</summary>
    public int[] CpusOf(int socket) => Enumerable.Range(0, CoresPerSocket)
        .Select(c => Interleaved ? c * Sockets + socket : socket * CoresPerSocket + c).Order().ToArray();

    /// <summary>Parses a SLIT given as rows separated by ';', entries by ',' (e.g. "10,21;21,10").</summary>
    public static int[][] ParseDistances(string text, int nodes)
    {
        var rows = text.Split(';', StringSplitOptions.TrimEntries);
        if (rows.Length != nodes) throw new FormatException($"'{text}' has {rows.Length} rows; {nodes} nodes need {nodes}");
        return rows.Select(r =>
        {
            var v = r.Split(',', StringSplitOptions.TrimEntries).Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            return v.Length == nodes ? v : throw new FormatException($"row '{r}' of '{text}' has {v.Length} entries; {nodes} nodes need {nodes}");
        }).ToArray();
    }
}
