using TestSupport;
using Topology;

namespace Experiments.Tests;

/// <summary>The topology tool (Tools/Topology) on fixture sysfs trees: what it prints and how it refuses bad trees.</summary>
public sealed class TopologyToolTests : IDisposable
{
    readonly FixtureTree _tree = new("topo-tool-");

    string Root => _tree.Root;

    public void Dispose() => _tree.Dispose();

    void Write(string rel, string text) => _tree.Write(rel, text);

    /// <summary>A CPU of the fixture: its package, NUMA node and the CPUs sharing its L3.</summary>
    void Cpu(int cpu, int package, int coreId, string l3Sharers)
    {
        string d = $"sys/devices/system/cpu/cpu{cpu}";
        Write($"{d}/topology/physical_package_id", package.ToString());
        Write($"{d}/topology/core_id", coreId.ToString());
        Write($"{d}/cache/index3/level", "3");
        Write($"{d}/cache/index3/shared_cpu_list", l3Sharers);
    }

    (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = TopologyCommand.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    /// <summary>
    /// A tree with a CPU folder but no CPU in it, or with a malformed CPU list, is refused with exit 2 and a reason
    /// naming the folder or file; the tool crashed with an unhandled exception and its stack trace.
    /// </summary>
    [Fact]
    public void ATreeThatIsNoMachineIsRefusedWithAReason()
    {
        Directory.CreateDirectory(Path.Combine(Root, "sys/devices/system/cpu"));
        var empty = Run("--sysfs-root", Root);
        Assert.Equal(2, empty.Code);
        Assert.Contains("no allowed online CPUs", empty.Err);
        Assert.Contains(Path.Combine(Root, "sys/devices/system/cpu"), empty.Err);
        Assert.Equal("", empty.Out);

        Write("sys/devices/system/cpu/online", "0-x");
        var malformed = Run("--sysfs-root", Root);
        Assert.Equal(2, malformed.Code);
        Assert.Contains(Path.Combine(Root, "sys/devices/system/cpu/online"), malformed.Err);
        Assert.Contains("'0-x'", malformed.Err);
    }

    /// <summary>
    /// One package whose L3 spans its two NUMA nodes (sub-NUMA clustering): under each node the L3 lists that node's
    /// CPUs only. It listed every CPU of the L3 under each node, so node 1 claimed CPUs 0-1 of node 0.
    /// </summary>
    [Fact]
    public void UnderEachNodeAnL3ListsOnlyThatNodesCpus()
    {
        Write("sys/devices/system/cpu/online", "0-3");
        for (int cpu = 0; cpu < 4; cpu++) Cpu(cpu, package: 0, coreId: cpu, l3Sharers: "0-3");
        Write("sys/devices/system/node/node0/cpulist", "0-1");
        Write("sys/devices/system/node/node1/cpulist", "2-3");
        var (code, output, err) = Run("--sysfs-root", Root);
        Assert.True(code == 0, err);
        var lines = output.Split('\n').Select(l => l.TrimEnd()).ToList();
        int node0 = lines.IndexOf("  node 0:"), node1 = lines.IndexOf("  node 1:");
        Assert.True(node0 >= 0 && node1 == node0 + 2, output);
        Assert.Equal("    L3 0: cpus 0-1", lines[node0 + 1]);
        Assert.Equal("    L3 0: cpus 2-3", lines[node1 + 1]);
    }

    /// <summary>
    /// The cycle counter is measured on the machine running the tool: with another machine's tree the line says so.
    /// It stood among the tree's facts unlabelled, as if it were that machine's TSC frequency.
    /// </summary>
    [Fact]
    public void ACycleCounterNotReadFromTheTreeSaysWhoseItIs()
    {
        Write("sys/devices/system/cpu/online", "0-1");
        for (int cpu = 0; cpu < 2; cpu++) Cpu(cpu, package: 0, coreId: cpu, l3Sharers: "0-1");
        var (code, output, err) = Run("--sysfs-root", Root);
        Assert.True(code == 0, err);
        var line = output.Split('\n').Single(l => l.StartsWith("cycle counter", StringComparison.Ordinal));
        Assert.EndsWith("(calibrated; this machine's, not read from the tree)", line.TrimEnd());
    }

    [Fact]
    public void AMissingTreeIsRefusedWithAReason()
    {
        var missing = Run("--sysfs-root", Root);
        Assert.Equal(2, missing.Code);
        Assert.Contains("has no sys/devices/system/cpu folder", missing.Err);
    }
}
