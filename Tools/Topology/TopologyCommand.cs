using System.CommandLine;
using Experiments.Common;
using Multikernel.Hardware;

namespace Topology;

/// <summary>
/// topology: prints what the multikernel sees of this machine, so a user can check a server before a long run.
/// Exit 0: printed (or the core list was accepted); 2: bad input (a refused core list, a sysfs tree that is missing or
/// that cannot be read as a machine), with the reason on stderr.
/// </summary>
public static class TopologyCommand
{
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var sysfsRoot = new Option<string>("--sysfs-root")
        {
            Description = "Read the machine description from this root instead of / (a folder holding sys/devices/system/...)",
            DefaultValueFactory = _ => "/",
        };
        var all = new Option<bool>("--all-cpus") { Description = "Show every online CPU, not only those in this process's affinity mask" };
        var checkCores = new Option<string>("--check-cores")
        {
            Description = "Only check a core list by the rules of every experiment program's --cores (what run-all.sh uses): " +
                          "print '<count> <list>' (e.g. '4 0-3') and exit 0, or print why it is refused and exit 2",
        };
        var root = new RootCommand("Print the cores, packages, NUMA nodes, L3 groups and TSC frequency the multikernel sees");
        root.Options.Add(sysfsRoot);
        root.Options.Add(all);
        root.Options.Add(checkCores);
        root.SetAction(pr =>
        {
            if (pr.GetResult(checkCores) != null)
            {
                try
                {
                    var cores = CoreList.Parse(pr.GetValue(checkCores) ?? "", CoreList.Allowed());
                    stdout.WriteLine($"{cores.Length} {CoreList.Format(cores)}");
                    return ExitCode.Ok;
                }
                catch (FormatException e)
                {
                    stderr.WriteLine(e.Message);
                    return ExitCode.BadInput;
                }
            }
            string r = pr.GetValue(sysfsRoot)!;
            if (!Directory.Exists(Path.Combine(r, "sys/devices/system/cpu")))
            {
                stderr.WriteLine($"--sysfs-root: '{r}' has no sys/devices/system/cpu folder; give / or a copy of a machine's sysfs tree");
                return ExitCode.BadInput;
            }
            bool useMask = !pr.GetValue(all) && r == "/";
            MachineTopology topo;
            try { topo = MachineTopology.FromSysfs(r, useMask ? CoreAffinity.AllowedCpus() : null); }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"--sysfs-root: '{r}' cannot be read as a machine: {e.Message}");
                return ExitCode.BadInput;
            }
            Print(stdout, topo, useMask, ownMachine: r == "/");
            return ExitCode.Ok;
        });
        return ExperimentOptions.ParseAndInvoke(root, args, "topology", stdout, stderr);
    }

    /// <param name="ownMachine">The tree is this machine's (root /): else the cycle counter, which is always this machine's, says so.</param>
    static void Print(TextWriter o, MachineTopology topo, bool useMask, bool ownMachine)
    {
        o.WriteLine($"CPU model       : {topo.CpuModel}");
        o.WriteLine($"cores           : {topo.Cores.Count} ({CoreAffinity.FormatList(topo.Cores.Select(c => c.Cpu).ToArray())}){(useMask ? " in this process's affinity mask" : "")}");
        o.WriteLine($"packages        : {topo.Packages.Count}");
        o.WriteLine($"NUMA nodes      : {topo.NumaNodes.Count}");
        o.WriteLine($"L3 domains      : {topo.L3Domains.Count}");
        o.WriteLine($"cycle counter   : {CycleClock.Source}, {CycleClock.Frequency / 1e9:F3} GHz (calibrated{(ownMachine ? "" : "; this machine's, not read from the tree")})");
        o.WriteLine();
        o.WriteLine("cpu  package  node  l3  core");
        foreach (var c in topo.Cores)
            o.WriteLine($"{c.Cpu,3}  {c.Package,7}  {c.NumaNode,4}  {c.L3Domain,2}  {c.CoreId,4}");
        o.WriteLine();
        if (topo.NumaNodes.Count > 1)
        {
            o.WriteLine($"NUMA distances ({(topo.HasNodeDistances ? "the machine's SLIT" : "none given: Linux defaults")}):");
            o.WriteLine("node " + string.Concat(topo.NumaNodes.Select(n => $"{n,5}")));
            foreach (int a in topo.NumaNodes)
                o.WriteLine($"{a,4} " + string.Concat(topo.NumaNodes.Select(b => $"{topo.NodeDistance(a, b),5}")));
            o.WriteLine();
        }
        foreach (int p in topo.Packages)
        {
            o.WriteLine($"package {p}:");
            foreach (int n in topo.Cores.Where(c => c.Package == p).Select(c => c.NumaNode).Distinct())
            {
                o.WriteLine($"  node {n}:");
                // An L3 domain may span nodes (sub-NUMA clustering): under each node, only its CPUs on that node.
                var onNode = topo.Cores.Where(c => c.NumaNode == n && c.Package == p).ToArray();
                foreach (int l in onNode.Select(c => c.L3Domain).Distinct())
                    o.WriteLine($"    L3 {l}: cpus {CoreAffinity.FormatList(onNode.Where(c => c.L3Domain == l).Select(c => c.Cpu).ToArray())}");
            }
        }
    }
}
