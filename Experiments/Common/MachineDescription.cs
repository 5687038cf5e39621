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
            // The source this program was built from: git asked about the folder of the program (inside the checkout).
            var source = new Lazy<(string Commit, string State)>(() => SourceRevision.Describe(AppContext.BaseDirectory));
            return new RunMeta
            {
                Experiment = experiment,
                // The count is LogicalCpus's, not Environment.ProcessorCount, which a cgroup CPU quota or
                // DOTNET_PROCESSOR_COUNT also lowers: one meta.json states one number of CPUs.
                Machine = Environment.GetEnvironmentVariable("REPRO_MACHINE") ?? $"{Environment.MachineName} ({topo.CpuModel}, {topo.Cores.Count} logical cpus)",
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
                Commit = Environment.GetEnvironmentVariable("REPRO_COMMIT") ?? source.Value.Commit,
                SourceState = Environment.GetEnvironmentVariable("REPRO_SOURCE_STATE") ?? (Environment.GetEnvironmentVariable("REPRO_COMMIT") != null ? "" : source.Value.State),
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
}
