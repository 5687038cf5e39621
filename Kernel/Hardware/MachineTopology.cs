using System.Globalization;

namespace Multikernel.Hardware;

/// <summary>
/// The machine's shape: cores grouped into L3 domains, NUMA nodes and packages. Read from sysfs (only the CPUs in
/// the process affinity mask) or built from a description, so that tests can model machines we do not have.
/// Immutable; every core sees the same copy, as the paper's system knowledge base would hand it out.
/// </summary>
public sealed class MachineTopology
{
    readonly Dictionary<int, CoreInfo> _byCpu;

    public IReadOnlyList<CoreInfo> Cores { get; }
    public IReadOnlyList<int> Packages { get; }
    public IReadOnlyList<int> NumaNodes { get; }
    public IReadOnlyList<int> L3Domains { get; }
    public string CpuModel { get; }

    readonly IReadOnlyDictionary<(int From, int To), int>? _nodeDistances;

    /// <param name="nodeDistances">The SLIT distances between NUMA nodes as the firmware gives them (10 = local), keyed by
    /// (from node, to node); null where unknown (then <see cref="NodeDistance"/> says 10 within a node, 20 across).</param>
    public MachineTopology(IEnumerable<CoreInfo> cores, string cpuModel = "unknown", IReadOnlyDictionary<(int From, int To), int>? nodeDistances = null)
    {
        _nodeDistances = nodeDistances;
        Cores = cores.OrderBy(c => c.Cpu).ToArray();
        if (Cores.Count == 0) throw new ArgumentException("a topology needs at least one core", nameof(cores));
        _byCpu = Cores.ToDictionary(c => c.Cpu);
        Packages = Cores.Select(c => c.Package).Distinct().Order().ToArray();
        NumaNodes = Cores.Select(c => c.NumaNode).Distinct().Order().ToArray();
        L3Domains = Cores.Select(c => c.L3Domain).Distinct().Order().ToArray();
        CpuModel = cpuModel;
    }

    static readonly Lazy<MachineTopology> s_current = new(() => FromSysfs("/", CoreAffinity.AllowedCpus()));

    /// <summary>This machine, restricted to the CPUs this process may run on.</summary>
    public static MachineTopology Current => s_current.Value;

    public CoreInfo this[int cpu] => _byCpu.TryGetValue(cpu, out var c) ? c
        : throw new ArgumentOutOfRangeException(nameof(cpu), cpu, $"core {cpu} is not in this topology; cores: {CoreAffinity.FormatList(Cores.Select(x => x.Cpu).ToArray())}");

    public bool Contains(int cpu) => _byCpu.ContainsKey(cpu);

    /// <summary>
    /// The relative memory-access distance from NUMA node <paramref name="fromNode"/> to <paramref name="toNode"/>
    /// (the ACPI SLIT: 10 = local, larger = farther), read from sysfs; where the machine gave none, 10 within a node
    /// and 20 across nodes (Linux's defaults).
    /// </summary>
    public int NodeDistance(int fromNode, int toNode) =>
        _nodeDistances != null && _nodeDistances.TryGetValue((fromNode, toNode), out int d) ? d : fromNode == toNode ? 10 : 20;

    /// <summary>True when <see cref="NodeDistance"/> comes from the machine's own table (sysfs), not the defaults.</summary>
    public bool HasNodeDistances => _nodeDistances != null;

    /// <summary>
    /// The NUMA node of core <paramref name="cpu"/> (an OS CPU number), or -1 for a CPU outside this topology, which
    /// memory placement reads as "wherever first touch puts it". The one place that answers this question.
    /// </summary>
    public int NumaNodeOf(int cpu) => _byCpu.TryGetValue(cpu, out var c) ? c.NumaNode : -1;

    public CorePairDistance Distance(int a, int b)
    {
        if (a == b) return CorePairDistance.SameCore;
        CoreInfo x = this[a], y = this[b];
        if (x.Package != y.Package) return CorePairDistance.OtherPackage;
        if (x.CoreId == y.CoreId) return CorePairDistance.SiblingThread;
        if (x.L3Domain == y.L3Domain) return CorePairDistance.SameL3;
        if (x.NumaNode == y.NumaNode) return CorePairDistance.SameNumaNode;
        return CorePairDistance.SamePackage;
    }

    /// <summary>
    /// A made-up machine: <paramref name="packages"/> sockets, each with <paramref name="nodesPerPackage"/> NUMA
    /// nodes, each node with <paramref name="l3PerNode"/> L3 domains of <paramref name="coresPerL3"/> cores. CPUs are
    /// numbered in order, one hardware thread per core.
    /// </summary>
    public static MachineTopology FromDescription(int packages, int nodesPerPackage, int l3PerNode, int coresPerL3, string model = "modelled",
        IReadOnlyDictionary<(int From, int To), int>? nodeDistances = null)
    {
        if (packages < 1 || nodesPerPackage < 1 || l3PerNode < 1 || coresPerL3 < 1)
            throw new ArgumentException("every count of a machine description must be at least 1");
        var cores = new List<CoreInfo>();
        int cpu = 0;
        for (int p = 0; p < packages; p++)
            for (int n = 0; n < nodesPerPackage; n++)
                for (int l = 0; l < l3PerNode; l++)
                    for (int c = 0; c < coresPerL3; c++, cpu++)
                        cores.Add(new CoreInfo(cpu, p, p * nodesPerPackage + n, (p * nodesPerPackage + n) * l3PerNode + l, cpu));
        return new MachineTopology(cores, model, nodeDistances);
    }

    /// <summary>
    /// Reads <c>{root}/sys/devices/system/cpu</c> and <c>{root}/sys/devices/system/node</c>. Missing node or cache
    /// information degrades gracefully: one node per package, one L3 domain per package. A CPU list or distance row
    /// that cannot be read as one, or a tree with no allowed online CPU, is an <see cref="InvalidDataException"/>
    /// naming the file or folder.
    /// </summary>
    public static MachineTopology FromSysfs(string root, IReadOnlyCollection<int>? allowed = null)
    {
        string cpuDir = Path.Combine(root, "sys/devices/system/cpu");
        string nodeDir = Path.Combine(root, "sys/devices/system/node");
        if (!Directory.Exists(cpuDir)) throw new DirectoryNotFoundException($"no CPU information at {cpuDir}");

        var online = File.Exists(Path.Combine(cpuDir, "online"))
            ? ReadCpuList(Path.Combine(cpuDir, "online"))
            : Directory.GetDirectories(cpuDir, "cpu*").Select(d => Path.GetFileName(d)[3..])
                .Where(s => int.TryParse(s, out _)).Select(int.Parse).Order().ToList();

        var nodeOf = new Dictionary<int, int>();
        var distanceRows = new Dictionary<int, int[]>();
        if (Directory.Exists(nodeDir))
            foreach (var d in Directory.GetDirectories(nodeDir, "node*"))
            {
                if (!int.TryParse(Path.GetFileName(d)[4..], out int node)) continue;
                if (File.Exists(Path.Combine(d, "cpulist")))
                    foreach (int c in ReadCpuList(Path.Combine(d, "cpulist"))) nodeOf[c] = node;
                if (File.Exists(Path.Combine(d, "distance")))
                    distanceRows[node] = ReadDistanceRow(Path.Combine(d, "distance"));
            }

        var l3Ids = new Dictionary<string, int>();
        var physicalIds = new Dictionary<(int Package, int Die, int Core), int>();
        var cores = new List<CoreInfo>();
        foreach (int cpu in online)
        {
            if (allowed != null && !allowed.Contains(cpu)) continue;
            string topo = Path.Combine(cpuDir, $"cpu{cpu}", "topology");
            int package = ReadInt(Path.Combine(topo, "physical_package_id"), 0);
            // core_id numbers the cores within a die on kernels that have dies (x86 before Linux 6.9), so two cores on
            // different dies of one package may share it: a physical core is (package, die, core_id).
            int coreId = ReadInt(Path.Combine(topo, "core_id"), cpu);
            int die = ReadInt(Path.Combine(topo, "die_id"), 0);
            if (!physicalIds.TryGetValue((package, die, coreId), out int physical)) physicalIds[(package, die, coreId)] = physical = physicalIds.Count;
            int node = nodeOf.TryGetValue(cpu, out int n) ? n : package;
            string l3Key = $"p{package}";
            string cacheDir = Path.Combine(cpuDir, $"cpu{cpu}", "cache");
            if (Directory.Exists(cacheDir))
                foreach (var idx in Directory.GetDirectories(cacheDir, "index*").Order())
                    if (ReadInt(Path.Combine(idx, "level"), 0) == 3 && File.Exists(Path.Combine(idx, "shared_cpu_list")))
                    {
                        var sharers = ReadCpuList(Path.Combine(idx, "shared_cpu_list"));
                        l3Key = "l3:" + string.Join(',', sharers);
                        break;
                    }
            if (!l3Ids.TryGetValue(l3Key, out int l3)) l3Ids[l3Key] = l3 = l3Ids.Count;
            cores.Add(new CoreInfo(cpu, package, node, l3, physical));
        }
        if (cores.Count == 0) throw new InvalidDataException($"no allowed online CPUs found under {cpuDir}");
        return new MachineTopology(cores, ReadCpuModel(Path.Combine(root, "proc/cpuinfo")), DistanceTable(distanceRows));
    }

    /// <summary>One node's row of the SLIT: whole numbers separated by blanks; anything else is an <see cref="InvalidDataException"/> naming the file.</summary>
    static int[] ReadDistanceRow(string path)
    {
        string text = File.ReadAllText(path);
        var row = text.Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries);
        var values = new int[row.Length];
        for (int i = 0; i < row.Length; i++)
            if (!int.TryParse(row[i], NumberStyles.None, CultureInfo.InvariantCulture, out values[i]))
                throw new InvalidDataException($"{path}: '{row[i]}' in the distance row '{text.Trim()}' is not a whole number");
        return values;
    }

    /// <summary>
    /// The SLIT as sysfs gives it: nodeN/distance lists the distance from node N to every node, in the order of the
    /// node numbers. Null if any row is missing or has the wrong length (then the defaults apply).
    /// </summary>
    static Dictionary<(int, int), int>? DistanceTable(Dictionary<int, int[]> rows)
    {
        if (rows.Count == 0) return null;
        var nodes = rows.Keys.Order().ToArray();
        var table = new Dictionary<(int, int), int>();
        foreach (int from in nodes)
        {
            if (rows[from].Length != nodes.Length) return null;
            for (int k = 0; k < nodes.Length; k++) table[(from, nodes[k])] = rows[from][k];
        }
        return table;
    }

    /// <summary>
    /// Parses a Linux CPU list such as "0-3,8,10-11" (an empty text is an empty list), each element by
    /// <see cref="TryParseCpuRange"/>. Throws <see cref="FormatException"/> naming the element that is not a CPU number
    /// or a range lo-hi with lo &lt;= hi.
    /// </summary>
    public static List<int> ParseCpuList(string text)
    {
        var list = new List<int>();
        foreach (var part in text.Trim().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!TryParseCpuRange(part, out int lo, out int hi))
                throw new FormatException($"'{part}' in the CPU list '{text.Trim()}' is not a CPU number or a range lo-hi with lo <= hi");
            for (int c = lo; c <= hi; c++) list.Add(c);
        }
        return list;
    }

    /// <summary>
    /// One element of a CPU list: a CPU number (then <paramref name="lo"/> = <paramref name="hi"/>) or a range lo-hi
    /// with lo &lt;= hi, each number in decimal digits only, blanks around it ignored. The element rule of the sysfs
    /// lists and of the programs' <c>--cores</c> (Experiments.Common's CoreList).
    /// </summary>
    public static bool TryParseCpuRange(string element, out int lo, out int hi)
    {
        int dash = element.IndexOf('-');
        if (dash < 0)
        {
            bool ok = CpuNumber(element, out lo);
            hi = lo;
            return ok;
        }
        hi = 0;
        return CpuNumber(element[..dash], out lo) && CpuNumber(element[(dash + 1)..], out hi) && lo <= hi;

        static bool CpuNumber(string s, out int v) => int.TryParse(s.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out v);
    }

    /// <summary>The CPU list in file <paramref name="path"/>; a malformed one is an <see cref="InvalidDataException"/> naming the file.</summary>
    static List<int> ReadCpuList(string path)
    {
        try { return ParseCpuList(File.ReadAllText(path)); }
        catch (FormatException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
    }

    static int ReadInt(string path, int fallback) =>
        File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), out int v) && v >= 0 ? v : fallback;

    static string ReadCpuModel(string cpuinfo)
    {
        if (!File.Exists(cpuinfo)) return "unknown";
        foreach (var line in File.ReadLines(cpuinfo))
            if (line.StartsWith("model name", StringComparison.Ordinal))
                return line[(line.IndexOf(':') + 1)..].Trim();
        return "unknown";
    }

    public override string ToString() =>
        $"{Cores.Count} cores, {Packages.Count} package(s), {NumaNodes.Count} NUMA node(s), {L3Domains.Count} L3 domain(s); {CpuModel}";
}
