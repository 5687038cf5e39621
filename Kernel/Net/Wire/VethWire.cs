using System.Diagnostics;

namespace Multikernel.Net.Wire;

/// <summary>
/// The experiment's own virtual wire: two network namespaces made for this process and a veth pair between them.
/// <list type="bullet">
/// <item>The <b>server</b> namespace holds <see cref="ServerInterface"/>, where the NIC driver opens its AF_PACKET
/// ring. The kernel there has no IPv4 address on it and IPv6 address generation is off, so the kernel neither answers
/// nor sends on it: <see cref="ServerAddress"/> belongs to the user-level stack alone (until
/// <see cref="AssignServerAddressToKernel"/> lends it to the kernel for a baseline).</item>
/// <item>The <b>far</b> namespace holds <see cref="FarInterface"/> with <see cref="FarAddress"/>, configured in the
/// kernel: the load generators and test clients run there, on the host's own TCP/IP stack. Its transmit path is
/// limited to one segment per GSO packet, so the far kernel puts MTU-sized frames on the wire as a NIC with TSO
/// would, instead of 64 KiB super-frames that only exist inside one host.</item>
/// </list>
/// Only link-local addresses (169.254.SUBNET.1 and .2, /24) are used, and only inside these namespaces: nothing is
/// routed, nothing leaves the machine. Both MAC addresses are locally administered (02:...).
/// <para>Lifetime: <see cref="Create"/> removes namespaces left by dead processes, then builds the wire (rolling
/// back what it made if a step fails); <see cref="Dispose"/> deletes the veth pair and both namespaces. A wire that
/// is not disposed is removed at process exit and on SIGINT/SIGTERM/SIGHUP/SIGQUIT (<see cref="WireRegistry"/>; a
/// program that stops gracefully on SIGINT and SIGTERM takes those two over: <see cref="StopSignalsLeftToProgram"/>).
/// Names carry the creating process's pid and start time (<c>mkn-PID-START-N-s</c>, <c>-f</c>), and the process holds
/// both namespaces (a shared flock on each file, <see cref="NetNamespace.Hold"/>) until it removes them or ends: that
/// is how <see cref="RemoveStale"/> tells a dead owner from a live one, the lock also for an owner in another PID
/// namespace (a container sharing /run/netns), whose pid means another process here or none.</para>
/// <para>Tool: iproute2's <c>ip</c> (see <see cref="IpCommand"/>); entering a namespace: <see cref="NetNamespace"/>.</para>
/// </summary>
public sealed class VethWire : IDisposable
{
    public const string NamePrefix = "mkn-";
    public const string ServerInterface = "mkn0";
    public const string FarInterface = "mkn1";
    public const int PrefixLength = 24;
    public const int Mtu = 1500;

    static int s_sequence;
    static readonly (int Pid, long Start) s_self = (Environment.ProcessId, StartTime(Environment.ProcessId) ?? 0);

    readonly object _lock = new();
    readonly object _removal = new(); // held through the build and through a removal: see Build and Dispose
    bool _serverAddressLent;
    bool _disposed;
    int _serverHold = -1, _farHold = -1; // NetNamespace.Hold descriptors, -1 when not held

    public string ServerNamespace { get; }
    public string FarNamespace { get; }
    /// <summary>The address the user-level stack answers on (not configured in any kernel unless lent).</summary>
    public Ipv4Address ServerAddress { get; }
    /// <summary>The far side's kernel address (the load generators' source).</summary>
    public Ipv4Address FarAddress { get; }
    public MacAddress ServerMac { get; }
    public MacAddress FarMac { get; }

    VethWire(byte subnet, int sequence)
    {
        string stem = $"{NamePrefix}{s_self.Pid}-{s_self.Start}-{sequence}";
        ServerNamespace = stem + "-s";
        FarNamespace = stem + "-f";
        ServerAddress = new Ipv4Address(169, 254, subnet, 1);
        FarAddress = new Ipv4Address(169, 254, subnet, 2);
        ServerMac = new MacAddress(0x02_6d_6b_4e_00_01UL | (ulong)subnet << 8);
        FarMac = new MacAddress(0x02_6d_6b_4e_00_02UL | (ulong)subnet << 8);
    }

    /// <summary>
    /// Builds a wire on link-local subnet 169.254.<paramref name="subnet"/>.0/24. Throws <see cref="WireException"/>
    /// when this process lacks the privileges or the <c>ip</c> command (the message says what to run), or when a step
    /// fails (the message names the command and the kernel's answer).
    /// </summary>
    public static VethWire Create(byte subnet = 77)
    {
        if (subnet is 0 or 255) throw new ArgumentOutOfRangeException(nameof(subnet), subnet, "RFC 3927 reserves 169.254.0.0/24 and 169.254.255.0/24; use 1..254");
        if (WirePrerequisites.Missing is { } missing) throw new WireException($"cannot build the veth wire: {missing}");
        RemoveStale();
        var wire = new VethWire(subnet, Interlocked.Increment(ref s_sequence));
        WireRegistry.Add(wire);
        try
        {
            wire.Build();
            return wire;
        }
        catch
        {
            try { wire.Dispose(); } catch (WireException) { }
            throw;
        }
    }

    /// <summary>
    /// Makes the namespaces and the veth pair. Holds the removal lock throughout, so that a removal that starts
    /// meanwhile (a signal handler's) waits for the build and then finds everything it made; a wire removed before its
    /// build starts is not built.
    /// </summary>
    void Build()
    {
        lock (_removal)
        {
            lock (_lock)
                if (_disposed) throw new WireException($"{this} was removed before it was built");
            BuildSteps();
        }
    }

    void BuildSteps()
    {
        string s = ServerNamespace, f = FarNamespace;
        IpCommand.Run("netns", "add", s);
        _serverHold = NetNamespace.Hold(s);
        IpCommand.Run("netns", "add", f);
        _farHold = NetNamespace.Hold(f);
        IpCommand.Run("-n", s, "link", "add", "name", ServerInterface, "address", ServerMac.ToString(), "mtu", Mtu.ToString(),
            "type", "veth", "peer", "name", FarInterface, "address", FarMac.ToString(), "mtu", Mtu.ToString(), "netns", f);
        // No IPv6 link-local address on either end: the kernels stay silent on the wire (no ND, no MLD).
        IpCommand.Run("-n", s, "link", "set", "dev", ServerInterface, "addrgenmode", "none");
        IpCommand.Run("-n", f, "link", "set", "dev", FarInterface, "addrgenmode", "none");
        // One MSS per GSO packet on the far side: frames on the wire stay within the MTU, as a NIC's TSO would cut them.
        IpCommand.Run("-n", f, "link", "set", "dev", FarInterface, "gso_max_segs", "1");
        IpCommand.Run("-n", f, "address", "add", $"{FarAddress}/{PrefixLength}", "dev", FarInterface);
        IpCommand.Run("-n", f, "link", "set", "dev", FarInterface, "up");
        IpCommand.Run("-n", s, "link", "set", "dev", ServerInterface, "up");
    }

    /// <summary>The cores each end's kernel receive work was steered to (<see cref="SteerReceive"/>), or null: the veth's default, the sending core.</summary>
    public (int[] Server, int[] Far)? ReceiveCores { get; private set; }

    /// <summary>
    /// Steers each end's kernel receive work to cores of its own side with Receive Packet Steering. A veth hands a frame
    /// to its peer inside the sender's transmit call, so by default the receiving end's work (the host stack's IP, TCP
    /// and UDP input, or the copy into an AF_PACKET ring) runs in a softirq on the core that sent the frame: the server
    /// side's on the load generator's cores, the far side's on the server's. After this call frames arriving at the
    /// server end are processed on <paramref name="serverCores"/> and those arriving at the far end on
    /// <paramref name="farCores"/> (flows spread over a set by their hash), as on two machines whose NICs interrupt
    /// their own cores. Written to every receive queue's <c>rps_cpus</c> inside each namespace and read back; throws
    /// <see cref="WireException"/> when the kernel refuses (no RPS: CONFIG_RPS off) or reads back another set.
    /// </summary>
    public void SteerReceive(IReadOnlyList<int> serverCores, IReadOnlyList<int> farCores)
    {
        Steer(ServerNamespace, ServerInterface, serverCores);
        Steer(FarNamespace, FarInterface, farCores);
        lock (_lock) ReceiveCores = (serverCores.ToArray(), farCores.ToArray());
    }

    void Steer(string ns, string device, IReadOnlyList<int> cores)
    {
        string mask = CpuBitmap.Format(cores);
        // ip netns exec mounts the namespace's own /sys, where the device is; the queue files exist only with CONFIG_RPS.
        string script = $"set -e; for q in /sys/class/net/{device}/queues/rx-*; do echo {mask} > $q/rps_cpus; cat $q/rps_cpus; done";
        string readBack = IpCommand.Run("netns", "exec", LiveName(ns), "sh", "-c", script);
        var lines = readBack.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var want = cores.Distinct().Order().ToArray();
        if (lines.Length == 0 || lines.Any(l => !CpuBitmap.Parse(l).SequenceEqual(want)))
            throw new WireException($"steering receive work on {ns}/{device} to cores {string.Join(',', want)} (rps_cpus {mask}) read back '{readBack.Trim()}'");
    }

    /// <summary>Runs <paramref name="body"/> inside the server namespace (e.g. to open the AF_PACKET ring on <see cref="ServerInterface"/>).</summary>
    public T RunInServerNamespace<T>(Func<T> body) => NetNamespace.Run(LiveName(ServerNamespace), body);

    /// <summary>Runs <paramref name="body"/> inside the far namespace (e.g. to create a client socket that then works from any thread).</summary>
    public T RunInFarNamespace<T>(Func<T> body) => NetNamespace.Run(LiveName(FarNamespace), body);

    /// <summary>A process start description that runs <paramref name="program"/> in the far namespace (<c>ip netns exec</c>), for external load generators such as wrk.</summary>
    public ProcessStartInfo FarProcess(string program, params string[] arguments)
    {
        var psi = new ProcessStartInfo(IpCommand.Path!) { UseShellExecute = false };
        foreach (string a in (string[])["netns", "exec", LiveName(FarNamespace), program, .. arguments]) psi.ArgumentList.Add(a);
        return psi;
    }

    /// <summary>
    /// Configures <see cref="ServerAddress"/> on the server interface in the kernel, for a baseline that runs the
    /// host's own stack (lighttpd, Kestrel) over the same wire. The user-level stack must not run on the wire meanwhile:
    /// both would answer. Undo with <see cref="RemoveServerAddressFromKernel"/>.
    /// </summary>
    public void AssignServerAddressToKernel()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_serverAddressLent) return;
            IpCommand.Run("-n", ServerNamespace, "address", "add", $"{ServerAddress}/{PrefixLength}", "dev", ServerInterface);
            _serverAddressLent = true;
        }
    }

    /// <summary>Takes <see cref="ServerAddress"/> back from the kernel (see <see cref="AssignServerAddressToKernel"/>).</summary>
    public void RemoveServerAddressFromKernel()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_serverAddressLent) return;
            IpCommand.Run("-n", ServerNamespace, "address", "del", $"{ServerAddress}/{PrefixLength}", "dev", ServerInterface);
            _serverAddressLent = false;
        }
    }

    string LiveName(string ns)
    {
        lock (_lock) ObjectDisposedException.ThrowIf(_disposed, this);
        return ns;
    }

    /// <summary>
    /// Set by a program that handles SIGINT and SIGTERM itself by finishing what it is doing and then disposing its
    /// wires (the experiment programs, on the first such signal): while true, those signals leave the wires up, and the
    /// program calls <see cref="RemoveUndisposed"/> when a signal is about to end it at once. Exit, SIGHUP and SIGQUIT
    /// still remove them.
    /// </summary>
    public static bool StopSignalsLeftToProgram
    {
        get => WireRegistry.StopSignalsLeftToProgram;
        set => WireRegistry.StopSignalsLeftToProgram = value;
    }

    /// <summary>Removes every wire this process built and has not disposed (a failure is written to stderr, not thrown).</summary>
    public static void RemoveUndisposed() => WireRegistry.RemoveAll();

    /// <summary>
    /// Deletes the veth pair and both namespaces. Tries every step even when one fails, then throws
    /// <see cref="WireException"/> listing the failures. Sockets still open in a namespace keep the (now unnamed)
    /// namespace alive until they close, but the veth pair is gone at once.
    /// </summary>
    public void Dispose()
    {
        // A second caller (a signal handler's RemoveUndisposed and the program's own using, say) waits here until the
        // first has removed the wire, so that the wire is gone whenever Dispose returns.
        lock (_removal)
        {
            lock (_lock)
            {
                if (_disposed) return;
                _disposed = true;
            }
            Remove();
        }
    }

    void Remove()
    {
        WireRegistry.Remove(this);
        var errors = new List<string>();
        if (NetNamespace.Exists(ServerNamespace))
        {
            try { IpCommand.Run("-n", ServerNamespace, "link", "del", "dev", ServerInterface); }
            catch (WireException e) when (!InterfaceExists(ServerNamespace, ServerInterface)) { _ = e; }
            catch (WireException e) { errors.Add(e.Message); }
        }
        foreach (string ns in (string[])[ServerNamespace, FarNamespace])
        {
            if (!NetNamespace.Exists(ns)) continue;
            try { IpCommand.Run("netns", "del", ns); }
            catch (WireException e) { errors.Add(e.Message); }
        }
        // Released only now: until its namespaces are deleted, another process's RemoveStale must see this wire as live.
        foreach (int fd in (int[])[_serverHold, _farHold])
            if (fd >= 0) NetNamespace.ReleaseHold(fd);
        _serverHold = _farHold = -1;
        if (errors.Count > 0) throw new WireException("removing the veth wire failed: " + string.Join("; ", errors));
    }

    static bool InterfaceExists(string ns, string name)
    {
        try { return IpCommand.Run("-n", ns, "-o", "link", "show", "dev", name).Length > 0; }
        catch (WireException) { return false; }
    }

    /// <summary>
    /// Removes the namespaces (and with them their veth ends) that a process which has exited left behind: names
    /// <c>mkn-PID-START-...</c> whose PID is not running or is running with another start time, and which no running
    /// process holds (<see cref="NetNamespace.Hold"/>: an owner in another PID namespace). Wires of live processes,
    /// this one included, are left alone. Returns how many namespaces it removed.
    /// </summary>
    public static int RemoveStale()
    {
        if (!Directory.Exists(NetNamespace.Root) || IpCommand.Path == null) return 0;
        int removed = 0;
        foreach (string path in Directory.GetFiles(NetNamespace.Root, NamePrefix + "*"))
        {
            string name = System.IO.Path.GetFileName(path);
            string[] parts = name[NamePrefix.Length..].Split('-');
            if (parts.Length != 4 || !int.TryParse(parts[0], out int pid) || !long.TryParse(parts[1], out long start)) continue;
            if (StartTime(pid) == start) continue; // its owner still runs
            if (NetNamespace.IsHeld(name)) continue; // its owner still runs, in a PID namespace where its pid means another process
            try
            {
                IpCommand.Run("netns", "del", name);
                removed++;
            }
            catch (WireException e) { Console.Error.WriteLine($"stale wire {name}: {e.Message}"); }
        }
        return removed;
    }

    /// <summary>Names of namespaces this process's wires still hold (for checks that a test left nothing behind).</summary>
    public static string[] NamespacesOfThisProcess() =>
        !Directory.Exists(NetNamespace.Root) ? []
        : Directory.GetFiles(NetNamespace.Root, $"{NamePrefix}{s_self.Pid}-{s_self.Start}-*").Select(p => System.IO.Path.GetFileName(p)).ToArray();

    /// <summary>Field 22 of /proc/PID/stat (start time in clock ticks since boot), or null when no such process runs.</summary>
    static long? StartTime(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[22 - 3]);
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    public override string ToString() => $"veth wire {ServerNamespace}/{ServerInterface} {ServerAddress} <-> {FarNamespace}/{FarInterface} {FarAddress}";
}
