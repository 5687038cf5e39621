using TestSupport;

namespace Multikernel.Tests;

/// <summary>The sysfs parser on fixture trees of machines we do not have.</summary>
public sealed class TopologyTests : IDisposable
{
    readonly FixtureTree _tree = new("topo-");

    string Root => _tree.Root;

    public void Dispose() => _tree.Dispose();

    void Write(string rel, string text) => _tree.Write(rel, text);

    /// <summary>
    /// Builds sysfs for <paramref name="packages"/> sockets x <paramref name="nodesPerPackage"/> NUMA nodes, each node
    /// one L3 of <paramref name="coresPerNode"/> cores, with <paramref name="threads"/> hardware threads per core
    /// numbered the Linux way (all first threads, then all second threads).
    /// </summary>
    void MakeMachine(int packages, int nodesPerPackage, int coresPerNode, int threads, bool withNodes = true, bool withCaches = true)
    {
        int physical = packages * nodesPerPackage * coresPerNode;
        int cpus = physical * threads;
        Write("sys/devices/system/cpu/online", $"0-{cpus - 1}");
        Write("proc/cpuinfo", "processor\t: 0\nmodel name\t: Made-up Opteron 8350\nflags\t\t: fpu tsc constant_tsc");
        var nodeCpus = new Dictionary<int, List<int>>();
        for (int cpu = 0; cpu < cpus; cpu++)
        {
            int phys = cpu % physical;
            int node = phys / coresPerNode;
            int package = node / nodesPerPackage;
            string d = $"sys/devices/system/cpu/cpu{cpu}";
            Write($"{d}/topology/physical_package_id", package.ToString());
            Write($"{d}/topology/core_id", (phys % (nodesPerPackage * coresPerNode)).ToString());
            if (withCaches)
            {
                var sharers = Enumerable.Range(0, threads).SelectMany(t => Enumerable.Range(node * coresPerNode + t * physical, coresPerNode)).Order();
                Write($"{d}/cache/index0/level", "1");
                Write($"{d}/cache/index0/shared_cpu_list", cpu.ToString());
                Write($"{d}/cache/index3/level", "3");
                Write($"{d}/cache/index3/shared_cpu_list", string.Join(',', sharers));
            }
            (nodeCpus.TryGetValue(node, out var l) ? l : nodeCpus[node] = new()).Add(cpu);
        }
        if (withNodes)
            foreach (var (node, list) in nodeCpus)
                Write($"sys/devices/system/node/node{node}/cpulist", string.Join(',', list));
    }

    [Fact]
    public void TwoSocketsFourNodesWithHyperthreads()
    {
        MakeMachine(packages: 2, nodesPerPackage: 2, coresPerNode: 4, threads: 2);
        var t = MachineTopology.FromSysfs(Root);
        Assert.Equal(32, t.Cores.Count);
        Assert.Equal(2, t.Packages.Count);
        Assert.Equal(4, t.NumaNodes.Count);
        Assert.Equal(4, t.L3Domains.Count);
        Assert.Equal("Made-up Opteron 8350", t.CpuModel);
        Assert.Equal(CorePairDistance.SiblingThread, t.Distance(0, 16));
        Assert.Equal(CorePairDistance.SameL3, t.Distance(0, 1));
        Assert.Equal(CorePairDistance.SamePackage, t.Distance(0, 4));
        Assert.Equal(CorePairDistance.OtherPackage, t.Distance(0, 8));
        Assert.Equal(t[4].NumaNode, t[20].NumaNode);
        // Each package numbers its cores from 0: a physical core is (package, die, core_id), so the 16 cores keep 16 ids.
        Assert.Equal(16, t.Cores.Select(c => c.CoreId).Distinct().Count());
        Assert.NotEqual(t[0].CoreId, t[8].CoreId);
    }

    /// <summary>
    /// A package of two dies whose core_id restarts on each die (x86 before Linux 6.9): the cores of different dies
    /// are not hardware threads of one core; the threads of one core are. Cores 0 of the two dies were classed siblings.
    /// </summary>
    [Fact]
    public void CoresOnDifferentDiesOfAPackageAreNotSiblings()
    {
        // CPUs 0-3: die 0, cores 0-1; CPUs 4-7: die 1, cores 0-1; threads: 0/2, 1/3, 4/6, 5/7.
        Write("sys/devices/system/cpu/online", "0-7");
        for (int cpu = 0; cpu < 8; cpu++)
        {
            string d = $"sys/devices/system/cpu/cpu{cpu}/topology";
            Write($"{d}/physical_package_id", "0");
            Write($"{d}/die_id", (cpu / 4).ToString());
            Write($"{d}/core_id", (cpu % 2).ToString());
        }
        var t = MachineTopology.FromSysfs(Root);
        Assert.Equal(CorePairDistance.SiblingThread, t.Distance(0, 2));
        Assert.Equal(CorePairDistance.SiblingThread, t.Distance(5, 7));
        Assert.Equal(CorePairDistance.SameL3, t.Distance(0, 4)); // no cache information: one L3 per package
        Assert.Equal(CorePairDistance.SameL3, t.Distance(1, 5));
        Assert.Equal(4, t.Cores.Select(c => c.CoreId).Distinct().Count());
    }

    [Fact]
    public void OnlyAllowedCpusAreKept()
    {
        MakeMachine(packages: 4, nodesPerPackage: 1, coresPerNode: 4, threads: 1);
        var t = MachineTopology.FromSysfs(Root, allowed: [0, 1, 8, 9, 15]);
        Assert.Equal([0, 1, 8, 9, 15], t.Cores.Select(c => c.Cpu));
        Assert.Equal(3, t.Packages.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => t[2]);
        Assert.Equal(-1, t.NumaNodeOf(2)); // outside the topology: "wherever first touch puts it", not node 0
        Assert.Equal(2, t.NumaNodeOf(8));
    }

    /// <summary>
    /// Without an online list the CPUs are the cpuN folders: cpu10 and cpu11 are CPUs 10 and 11, and the cpufreq and
    /// cpuidle folders beside them are not CPUs.
    /// </summary>
    [Fact]
    public void WithoutAnOnlineListTheCpuFoldersNameTheCpus()
    {
        for (int cpu = 0; cpu < 12; cpu++) Write($"sys/devices/system/cpu/cpu{cpu}/topology/physical_package_id", "0");
        Write("sys/devices/system/cpu/cpufreq/boost", "1");
        Write("sys/devices/system/cpu/cpuidle/current_driver", "none");
        var t = MachineTopology.FromSysfs(Root);
        Assert.Equal(Enumerable.Range(0, 12), t.Cores.Select(c => c.Cpu));
    }

    /// <summary>
    /// An id sysfs gives as -1 (a package or core the firmware does not number) reads as the fallback: package 0, and
    /// the CPU's own number as its core, never a package or core -1.
    /// </summary>
    [Fact]
    public void NegativeTopologyIdsReadAsTheirFallbacks()
    {
        Write("sys/devices/system/cpu/online", "0-1");
        for (int cpu = 0; cpu < 2; cpu++)
        {
            Write($"sys/devices/system/cpu/cpu{cpu}/topology/physical_package_id", "-1");
            Write($"sys/devices/system/cpu/cpu{cpu}/topology/core_id", "-1");
        }
        var t = MachineTopology.FromSysfs(Root);
        Assert.Equal([0], t.Packages);
        Assert.Equal(CorePairDistance.SameL3, t.Distance(0, 1)); // two cores, not the threads of one core -1
    }

    [Fact]
    public void MissingNodeAndCacheInformationFallsBackToPackages()
    {
        MakeMachine(packages: 2, nodesPerPackage: 2, coresPerNode: 2, threads: 1, withNodes: false, withCaches: false);
        var t = MachineTopology.FromSysfs(Root);
        Assert.Equal(8, t.Cores.Count);
        Assert.Equal(2, t.NumaNodes.Count);   // one per package
        Assert.Equal(2, t.L3Domains.Count);
    }

    [Fact]
    public void NodeDistancesComeFromTheSlitInSysfs()
    {
        MakeMachine(packages: 4, nodesPerPackage: 1, coresPerNode: 2, threads: 1);
        string[] rows = ["10 16 16 22", "16 10 22 16", "16 22 10 16", "22 16 16 10"];
        for (int n = 0; n < 4; n++) Write($"sys/devices/system/node/node{n}/distance", rows[n]);
        var t = MachineTopology.FromSysfs(Root);
        Assert.True(t.HasNodeDistances);
        Assert.Equal(10, t.NodeDistance(2, 2));
        Assert.Equal(22, t.NodeDistance(0, 3));
        Assert.Equal(16, t.NodeDistance(3, 1));
    }

    /// <summary>
    /// A row is read in the order of the node numbers, which need not be contiguous, and the table is not assumed
    /// symmetric: row N gives the distances from node N.
    /// </summary>
    [Fact]
    public void AnAsymmetricSlitOfSparseNodesIsReadRowByNodeNumber()
    {
        Write("sys/devices/system/cpu/online", "0-1");
        Write("sys/devices/system/node/node0/cpulist", "0");
        Write("sys/devices/system/node/node2/cpulist", "1");
        Write("sys/devices/system/node/node0/distance", "10 21");
        Write("sys/devices/system/node/node2/distance", "31 11");
        var t = MachineTopology.FromSysfs(Root);
        Assert.Equal([0, 2], t.NumaNodes);
        Assert.Equal(21, t.NodeDistance(0, 2));
        Assert.Equal(31, t.NodeDistance(2, 0));
        Assert.Equal(11, t.NodeDistance(2, 2));
    }

    [Fact]
    public void WithoutAUsableSlitTheDefaultsApply()
    {
        MakeMachine(packages: 2, nodesPerPackage: 1, coresPerNode: 2, threads: 1);
        Write("sys/devices/system/node/node0/distance", "10 21");
        Write("sys/devices/system/node/node1/distance", "21");   // a short row: the table is not used
        var t = MachineTopology.FromSysfs(Root);
        Assert.False(t.HasNodeDistances);
        Assert.Equal(10, t.NodeDistance(1, 1));
        Assert.Equal(20, t.NodeDistance(0, 1));
    }

    [Fact]
    public void MissingTreeIsAClearError()
    {
        var e = Assert.Throws<DirectoryNotFoundException>(() => MachineTopology.FromSysfs(Root));
        Assert.Contains("no CPU information", e.Message);
    }

    [Theory]
    [InlineData("0-3,8,10-11", new[] { 0, 1, 2, 3, 8, 10, 11 })]
    [InlineData("5", new[] { 5 })]
    [InlineData(" 0,2 \n", new[] { 0, 2 })]
    [InlineData("4-4,6", new[] { 4, 6 })]
    public void ParsesCpuLists(string text, int[] expected) => Assert.Equal(expected, MachineTopology.ParseCpuList(text));

    /// <summary>Formatting is the inverse of parsing: runs of consecutive CPUs become ranges, a gap starts a new element.</summary>
    [Theory]
    [InlineData(new[] { 0, 1, 2, 3, 8, 10, 11 }, "0-3,8,10-11")]
    [InlineData(new[] { 5 }, "5")]
    [InlineData(new[] { 0, 2, 4 }, "0,2,4")]
    public void FormatsCpuListsAsTheLinuxCpulist(int[] cpus, string expected)
    {
        Assert.Equal(expected, CoreAffinity.FormatList(cpus));
        Assert.Equal(cpus, MachineTopology.ParseCpuList(expected));
    }

    /// <summary>
    /// A CPU list element that is not a number or a range lo-hi is refused naming it; a reversed range such as 3-1
    /// read as no CPU at all, and a non-number threw the runtime's message without the element.
    /// </summary>
    [Theory]
    [InlineData("3-1", "'3-1'")]
    [InlineData("0-3,x", "'x'")]
    [InlineData("0-", "'0-'")]
    [InlineData("-1", "'-1'")]
    [InlineData("0-7:2/4", "'0-7:2/4'")]
    [InlineData("+3", "'+3'")]
    [InlineData("0-+3", "'0-+3'")]
    public void MalformedCpuListsAreRefusedNamingTheElement(string text, string named)
    {
        var e = Assert.Throws<FormatException>(() => MachineTopology.ParseCpuList(text));
        Assert.Contains(named, e.Message);
    }

    /// <summary>
    /// A sysfs file that holds no CPU list or distance row is an <see cref="InvalidDataException"/> naming the file (it
    /// was a bare <see cref="FormatException"/> naming neither the file nor the text; a reversed range was read as no
    /// CPU).
    /// </summary>
    [Theory]
    [InlineData("sys/devices/system/cpu/online", "0-x")]
    [InlineData("sys/devices/system/cpu/online", "7-0")]
    [InlineData("sys/devices/system/node/node1/cpulist", "2,three")]
    [InlineData("sys/devices/system/cpu/cpu2/cache/index3/shared_cpu_list", "3-2")]
    [InlineData("sys/devices/system/node/node0/distance", "10 2l")]
    public void MalformedSysfsFilesAreAClearErrorNamingTheFile(string file, string content)
    {
        MakeMachine(packages: 2, nodesPerPackage: 1, coresPerNode: 2, threads: 1);
        Write("sys/devices/system/node/node0/distance", "10 20");
        Write("sys/devices/system/node/node1/distance", "20 10");
        Write(file, content);
        var e = Assert.Throws<InvalidDataException>(() => MachineTopology.FromSysfs(Root));
        Assert.Contains(Path.Combine(Root, file), e.Message);
    }

    /// <summary>Every class of <see cref="CorePairDistance"/> on one described machine: 2 packages x 2 nodes x 2 L3s x 2 cores.</summary>
    [Fact]
    public void EachDistanceClassIsTheNearestSharedLevel()
    {
        var t = MachineTopology.FromDescription(packages: 2, nodesPerPackage: 2, l3PerNode: 2, coresPerL3: 2);
        Assert.Equal(CorePairDistance.SameCore, t.Distance(5, 5));
        Assert.Equal(CorePairDistance.SameL3, t.Distance(0, 1));
        Assert.Equal(CorePairDistance.SameNumaNode, t.Distance(0, 2));
        Assert.Equal(CorePairDistance.SamePackage, t.Distance(0, 4));
        Assert.Equal(CorePairDistance.OtherPackage, t.Distance(0, 8));
        Assert.Equal(CorePairDistance.SameNumaNode, t.Distance(7, 5));
    }

    [Fact]
    public void DescribedMachineHasTheRequestedShape()
    {
        var t = MachineTopology.FromDescription(packages: 8, nodesPerPackage: 1, l3PerNode: 1, coresPerL3: 4);
        Assert.Equal(32, t.Cores.Count);
        Assert.Equal(8, t.Packages.Count);
        Assert.Equal(CorePairDistance.SameL3, t.Distance(0, 3));
        Assert.Equal(CorePairDistance.OtherPackage, t.Distance(3, 4));
    }

    [Fact]
    public void ThisMachineIsReadable()
    {
        var t = MachineTopology.Current;
        Assert.Equal(CoreAffinity.AllowedCpus(), t.Cores.Select(c => c.Cpu));
    }
}
