using System.Runtime.InteropServices;

namespace Multikernel.Net.Wire;

/// <summary>
/// Runs code inside a named network namespace (one made by <c>ip netns add</c>, i.e. bound at /run/netns/NAME).
/// <para>How .NET enters a namespace: a network namespace belongs to a thread, so <see cref="Run{T}"/> starts a
/// dedicated thread, moves it with setns(CLONE_NEWNET), runs the body there and lets the thread end. Sockets remember
/// the namespace they were created in: a socket (an AF_PACKET ring, a far-side UDP or TCP client) created inside the
/// body keeps working in that namespace when it is used from any other thread afterwards. Programs outside this
/// process (wrk, a load generator) are run in the namespace with <c>ip netns exec NAME ...</c> instead.</para>
/// </summary>
public static class NetNamespace
{
    /// <summary>Where iproute2 binds named namespaces.</summary>
    public const string Root = "/run/netns";

    public static bool Exists(string name) => File.Exists(System.IO.Path.Combine(Root, name));

    /// <summary>Runs <paramref name="body"/> on a fresh thread inside namespace <paramref name="name"/> and returns its result; rethrows what it throws.</summary>
    public static T Run<T>(string name, Func<T> body)
    {
        string path = System.IO.Path.Combine(Root, name);
        if (!File.Exists(path)) throw new WireException($"network namespace '{name}' does not exist ({path} is missing)");
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                Enter(path);
                result = body();
            }
            catch (Exception e) { failure = e; }
        }) { IsBackground = true, Name = $"netns {name}" };
        thread.Start();
        thread.Join();
        if (failure != null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        return result;
    }

    /// <summary>
    /// The command line that runs <paramref name="command"/> (program and arguments) inside namespace
    /// <paramref name="name"/> as a child process: <c>ip netns exec NAME ...</c>, which execs the program, so the child's
    /// pid is the program's. Throws <see cref="WireException"/> when iproute2's ip is missing.
    /// </summary>
    public static string[] ExecCommand(string name, IReadOnlyList<string> command) =>
        [IpCommand.Path ?? throw new WireException($"running a program in a network namespace needs iproute2's ip: {IpCommand.InstallHint}"), "netns", "exec", name, .. command];

    /// <summary>Runs <paramref name="body"/> on a fresh thread inside namespace <paramref name="name"/>.</summary>
    public static void Run(string name, Action body) => Run(name, () => { body(); return 0; });

    /// <summary>
    /// Marks namespace <paramref name="name"/> as held by this process: a shared flock(2) on its file under
    /// <see cref="Root"/>, which lasts until the returned descriptor is closed (<see cref="ReleaseHold"/>) or the
    /// process ends, however it ends. Unlike a pid, the lock means the same in every PID namespace that shares /run/netns.
    /// The descriptor is close-on-exec, so a child process never keeps the hold after this process is gone.
    /// </summary>
    internal static int Hold(string name)
    {
        string path = System.IO.Path.Combine(Root, name);
        int fd = NamespaceCalls.open(path, NamespaceCalls.O_RDONLY | NamespaceCalls.O_CLOEXEC);
        if (fd < 0) throw new WireException($"open({path}) failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        int rc;
        do rc = NamespaceCalls.flock(fd, NamespaceCalls.LOCK_SH);
        while (rc < 0 && Marshal.GetLastPInvokeError() == NamespaceCalls.EINTR);
        if (rc < 0)
        {
            string error = Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());
            NamespaceCalls.close(fd);
            throw new WireException($"flock({path}, LOCK_SH) failed: {error}");
        }
        return fd;
    }

    /// <summary>Ends a <see cref="Hold"/>.</summary>
    internal static void ReleaseHold(int fd) => NamespaceCalls.close(fd);

    /// <summary>True when a running process (of any PID namespace) holds namespace <paramref name="name"/> (<see cref="Hold"/>).</summary>
    internal static bool IsHeld(string name)
    {
        int fd = NamespaceCalls.open(System.IO.Path.Combine(Root, name), NamespaceCalls.O_RDONLY | NamespaceCalls.O_CLOEXEC);
        if (fd < 0) return false;
        try { return NamespaceCalls.flock(fd, NamespaceCalls.LOCK_EX | NamespaceCalls.LOCK_NB) < 0 && Marshal.GetLastPInvokeError() == NamespaceCalls.EWOULDBLOCK; }
        finally { NamespaceCalls.close(fd); }
    }

    static void Enter(string path)
    {
        int fd = NamespaceCalls.open(path, NamespaceCalls.O_RDONLY | NamespaceCalls.O_CLOEXEC);
        if (fd < 0) throw new WireException($"open({path}) failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        try
        {
            if (NamespaceCalls.setns(fd, NamespaceCalls.CLONE_NEWNET) < 0)
                throw new WireException($"setns({path}, CLONE_NEWNET) failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())} (needs CAP_SYS_ADMIN: run as root)");
        }
        finally { NamespaceCalls.close(fd); }
    }
}
