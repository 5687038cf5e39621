using Experiments.Common;

namespace Benchmarks.Comparison;

/// <summary>
/// What identifies the machine a result came from: the host name (from the run's meta.json, when present) and the
/// CPU as BenchmarkDotNet's HostEnvironmentInfo describes it. Results from different machines are not comparable.
/// </summary>
public sealed record MachineIdentity(string? Host, string Processor, int LogicalCores, int PhysicalCores, int Packages, string Architecture, string Os, string Runtime)
{
    /// <summary>Differences that make two results incomparable (different machine).</summary>
    public IEnumerable<string> MachineDifferences(MachineIdentity other)
    {
        if (Host != null && other.Host != null && !string.Equals(Host, other.Host, StringComparison.Ordinal))
            yield return $"host '{Host}' vs '{other.Host}'";
        if (Processor != other.Processor) yield return $"processor '{Processor}' vs '{other.Processor}'";
        if (LogicalCores != other.LogicalCores) yield return $"logical cores {LogicalCores} vs {other.LogicalCores}";
        if (PhysicalCores != other.PhysicalCores) yield return $"physical cores {PhysicalCores} vs {other.PhysicalCores}";
        if (Packages != other.Packages) yield return $"processor packages {Packages} vs {other.Packages}";
        if (Architecture != other.Architecture) yield return $"architecture {Architecture} vs {other.Architecture}";
    }

    /// <summary>Differences in software that do not change the machine but are worth a warning.</summary>
    public IEnumerable<string> SoftwareDifferences(MachineIdentity other)
    {
        if (Os != other.Os) yield return $"OS '{Os}' vs '{other.Os}'";
        if (Runtime != other.Runtime) yield return $".NET runtime '{Runtime}' vs '{other.Runtime}'";
    }

    public string Describe() => $"{Host ?? "(host unknown)"}: {Processor}, {LogicalCores} logical cores, {Os}";

    public MachineIdentity WithHost(RunMeta? meta) => meta is { Host.Length: > 0 } ? this with { Host = meta.Host } : this;
}
