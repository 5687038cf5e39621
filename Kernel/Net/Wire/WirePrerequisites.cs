namespace Multikernel.Net.Wire;

/// <summary>
/// Whether this process can build a wire: network namespaces and veth pairs need CAP_SYS_ADMIN and CAP_NET_ADMIN,
/// the AF_PACKET ring needs CAP_NET_RAW (all three: run as root), and the <c>ip</c> command from iproute2.
/// </summary>
public static class WirePrerequisites
{
    const int CapNetAdmin = 12, CapNetRaw = 13, CapSysAdmin = 21;

    /// <summary>Null when a wire can be built here; otherwise what is missing and the command that fixes it.</summary>
    public static string? Missing { get; } = Check();

    static string? Check()
    {
        if (!OperatingSystem.IsLinux()) return $"network namespaces, veth and AF_PACKET rings are Linux features; this is {Environment.OSVersion}";
        var missing = new List<string>();
        ulong caps = EffectiveCapabilities();
        if (NamespaceCalls.geteuid() != 0 || (caps & (1UL << CapNetAdmin | 1UL << CapNetRaw | 1UL << CapSysAdmin)) != (1UL << CapNetAdmin | 1UL << CapNetRaw | 1UL << CapSysAdmin))
            missing.Add("root privileges (CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_NET_RAW) to create network namespaces, a veth pair and an AF_PACKET socket: run as root, e.g. sudo ./run-tests.sh");
        if (IpCommand.Path == null)
            missing.Add($"iproute2's 'ip' command: {IpCommand.InstallHint}");
        return missing.Count == 0 ? null : "needs " + string.Join("; and ", missing);
    }

    static ulong EffectiveCapabilities()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("CapEff:", StringComparison.Ordinal))
                    return Convert.ToUInt64(line[7..].Trim(), 16);
        }
        catch (IOException) { }
        return 0;
    }
}
