using Experiments.Common;

namespace IOWebserver;

/// <summary>
/// Where the load generator runs: on cores the server does not use when the machine has them (first the chosen
/// --cores beyond the server's, then any other allowed core), otherwise sharing the server's last core. Both
/// series of a part (multikernel and baselines) get the same placement, so they are compared under the same load.
/// </summary>
public sealed record LoadPlacement(int[] Cores, bool Shared, string Description)
{
    public static LoadPlacement For(int[] chosen, int serverCores, IReadOnlyList<int> allowed, int wanted = 1)
    {
        var server = chosen.Take(serverCores).ToArray();
        var free = chosen.Skip(serverCores).Concat(allowed.Where(c => !chosen.Contains(c))).Distinct().Take(wanted).ToArray();
        if (free.Length > 0)
            return new LoadPlacement(free, false, $"load generator on core(s) {CoreList.Format(free)}, not used by the server (server cores {CoreList.Format(server)})");
        int last = server[^1];
        return new LoadPlacement([last], true,
            $"load generator SHARES core {last} with the server (server cores {CoreList.Format(server)}; this machine has no other allowed core): throughput is lower and latency higher than with a separate load core");
    }
}
