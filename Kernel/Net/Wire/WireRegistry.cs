using System.Runtime.InteropServices;

namespace Multikernel.Net.Wire;

/// <summary>
/// The wires this process has built and not yet removed, so that they are removed when the process ends without
/// disposing them: on normal exit and Ctrl-C (both raise ProcessExit in .NET 10) and on SIGTERM, SIGHUP and SIGQUIT
/// (handlers registered here; the signal then takes its default course). A process killed outright (SIGKILL, a
/// crash) leaves its namespaces behind; <see cref="VethWire.RemoveStale"/> removes them at the next start.
/// </summary>
internal static class WireRegistry
{
    static readonly object s_lock = new();
    static readonly List<VethWire> s_live = [];
    static PosixSignalRegistration[]? s_signals;

    public static void Add(VethWire wire)
    {
        lock (s_lock)
        {
            s_live.Add(wire);
            if (s_signals != null) return;
            AppDomain.CurrentDomain.ProcessExit += (_, _) => RemoveAll();
            s_signals =
            [
                PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => RemoveAll()),
                PosixSignalRegistration.Create(PosixSignal.SIGHUP, _ => RemoveAll()),
                PosixSignalRegistration.Create(PosixSignal.SIGQUIT, _ => RemoveAll()),
            ];
        }
    }

    public static void Remove(VethWire wire)
    {
        lock (s_lock) s_live.Remove(wire);
    }

    static void RemoveAll()
    {
        VethWire[] live;
        lock (s_lock) live = [.. s_live];
        foreach (var w in live)
        {
            try { w.Dispose(); }
            catch (WireException e) { Console.Error.WriteLine($"wire cleanup: {e.Message}"); }
        }
    }
}
