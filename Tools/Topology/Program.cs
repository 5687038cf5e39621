using System.CommandLine;
using Experiments.Common;
using Multikernel.Hardware;

// topology: prints what the multikernel sees of this machine, so a user can check a server before a long run.
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
            Console.WriteLine($"{cores.Length} {CoreList.Format(cores)}");
            return 0;
        }
        catch (FormatException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
    }
    string r = pr.GetValue(sysfsRoot)!;
    if (!Directory.Exists(Path.Combine(r, "sys/devices/system/cpu")))
    {
        Console.Error.WriteLine($"--sysfs-root: '{r}' has no sys/devices/system/cpu folder; give / or a copy of a machine's sysfs tree");
        return 2;
    }
    bool useMask = !pr.GetValue(all) && r == "/";
    var topo = MachineTopology.FromSysfs(r, useMask ? CoreAffinity.AllowedCpus() : null);
    Console.WriteLine($"CPU model       : {topo.CpuModel}");
    Console.WriteLine($"cores           : {topo.Cores.Count} ({CoreAffinity.FormatList(topo.Cores.Select(c => c.Cpu).ToArray())}){(useMask ? " in this process's affinity mask" : "")}");
    Console.WriteLine($"packages        : {topo.Packages.Count}");
    Console.WriteLine($"NUMA nodes      : {topo.NumaNodes.Count}");
    Console.WriteLine($"L3 domains      : {topo.L3Domains.Count}");
    Console.WriteLine($"cycle counter   : {CycleClock.Source}, {CycleClock.Frequency / 1e9:F3} GHz (calibrated)");
    Console.WriteLine();
    Console.WriteLine("cpu  package  node  l3  core");
    foreach (var c in topo.Cores)
        Console.WriteLine($"{c.Cpu,3}  {c.Package,7}  {c.NumaNode,4}  {c.L3Domain,2}  {c.CoreId % 100000,4}");
    Console.WriteLine();
    if (topo.NumaNodes.Count > 1)
    {
        Console.WriteLine($"NUMA distances ({(topo.HasNodeDistances ? "the machine's SLIT" : "none given: Linux defaults")}):");
        Console.WriteLine("node " + string.Concat(topo.NumaNodes.Select(n => $"{n,5}")));
        foreach (int a in topo.NumaNodes)
            Console.WriteLine($"{a,4} " + string.Concat(topo.NumaNodes.Select(b => $"{topo.NodeDistance(a, b),5}")));
        Console.WriteLine();
    }
    foreach (int p in topo.Packages)
    {
        Console.WriteLine($"package {p}:");
        foreach (int n in topo.Cores.Where(c => c.Package == p).Select(c => c.NumaNode).Distinct())
        {
            Console.WriteLine($"  node {n}:");
            foreach (int l in topo.Cores.Where(c => c.NumaNode == n && c.Package == p).Select(c => c.L3Domain).Distinct())
                Console.WriteLine($"    L3 {l}: cpus {CoreAffinity.FormatList(topo.Cores.Where(c => c.L3Domain == l).Select(c => c.Cpu).ToArray())}");
        }
    }
    return 0;
});
return ExperimentOptions.ParseAndInvoke(root, args, "topology", Console.Out, Console.Error);
