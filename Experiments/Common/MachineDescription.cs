using System.Diagnostics;
using System.Runtime.InteropServices;
using Multikernel.Hardware;

namespace Experiments.Common;

/// <summary>
/// Fills a <see cref="RunMeta"/> for this machine and process: the topology and the clock as the kernel sees them,
/// the OS kernel, the runtime, the commit and the command. It lives here, not beside <see cref="RunMeta"/>, because
/// the results schema must not depend on the kernel (the report reads it without linking Kernel/).
/// </summary>
public static class MachineDescription
{
    extension(RunMeta)
    {
        /// <summary>Describes this machine and process; <paramref name="cores"/> are the cores the experiment uses.</summary>
        public static RunMeta Describe(string experiment, IReadOnlyList<int> cores, string profile)
        {
            var topo = MachineTopology.Current;
            return new RunMeta
            {
                Experiment = experiment,
                Machine = Environment.GetEnvironmentVariable("REPRO_MACHINE") ?? $"{Environment.MachineName} ({topo.CpuModel}, {Environment.ProcessorCount} cpus)",
                Host = Environment.MachineName,
                CpuModel = topo.CpuModel,
                Packages = topo.Packages.Count,
                NumaNodes = topo.NumaNodes.Count,
                L3Domains = topo.L3Domains.Count,
                LogicalCpus = topo.Cores.Count,
                CoresUsed = CoreList.Format(cores),
                TscGHz = Math.Round(CycleClock.Frequency / 1e9, 4),
                ClockSource = CycleClock.Source,
                Kernel = ReadKernel(),
                DotNet = RuntimeInformation.FrameworkDescription,
                Commit = Environment.GetEnvironmentVariable("REPRO_COMMIT") ?? GitCommit(),
                Started = DateTimeOffset.UtcNow,
                Command = Environment.GetEnvironmentVariable("REPRO_COMMAND") ?? string.Join(' ', Environment.GetCommandLineArgs()),
                Profile = profile,
            };
        }
    }

    static string ReadKernel()
    {
        try { return File.ReadAllText("/proc/sys/kernel/osrelease").Trim(); }
        catch (IOException) { return RuntimeInformation.OSDescription; }
    }

    static string GitCommit()
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("git", "rev-parse --short HEAD")
            { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
            string s = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return p.ExitCode == 0 ? s : "unknown";
        }
        catch (System.ComponentModel.Win32Exception) { return "unknown"; }
    }
}
