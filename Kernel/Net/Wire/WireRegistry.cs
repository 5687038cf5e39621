using System.Runtime.InteropServices;

namespace Multikernel.Net.Wire;

/// <summary>
/// The wires this process has built and not yet removed, so that they are removed when the process ends without
/// disposing them: on normal exit (ProcessExit) and on SIGINT, SIGTERM, SIGHUP and SIGQUIT (handlers registered here;
/// the signal then takes its default course, which in .NET 10 ends the process without raising ProcessExit). A process
/// killed outright (SIGKILL, a crash) leaves its namespaces behind; <see cref="VethWire.RemoveStale"/> removes them at
/// the next start.
/// <para>A program that stops gracefully on SIGINT and SIGTERM (finishes what it is doing, then disposes its wires)
/// sets <see cref="StopSignalsLeftToProgram"/>: the handlers here then leave the wires up on those two signals, since a
/// wire removed under a running measurement fails it, and the program removes them (<see cref="RemoveAll"/>) when a
/// signal is about to end it at once. The handlers of one signal run in no defined order, so this cannot be left to a
/// check of <see cref="PosixSignalContext.Cancel"/>.</para>
/// </summary>
internal static class WireRegistry
{
    static readonly object s_lock = new();
    static readonly List<VethWire> s_live = [];
    static PosixSignalRegistration[]? s_signals;
    static volatile bool s_stopSignalsLeftToProgram;

    /// <summary>See the type's summary: while true, SIGINT and SIGTERM do not remove the wires here.</summary>
    public static bool StopSignalsLeftToProgram
    {
        get => s_stopSignalsLeftToProgram;
        set => s_stopSignalsLeftToProgram = value;
    }

    public static void Add(VethWire wire)
    {
        lock (s_lock)
        {
            s_live.Add(wire);
            if (s_signals != null) return;
            AppDomain.CurrentDomain.ProcessExit += (_, _) => RemoveAll();
            s_signals =
            [
                PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => { if (!s_stopSignalsLeftToProgram) RemoveAll(); }),
                PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => { if (!s_stopSignalsLeftToProgram) RemoveAll(); }),
                PosixSignalRegistration.Create(PosixSignal.SIGHUP, _ => RemoveAll()),
                PosixSignalRegistration.Create(PosixSignal.SIGQUIT, _ => RemoveAll()),
            ];
        }
    }

    public static void Remove(VethWire wire)
    {
        lock (s_lock) s_live.Remove(wire);
    }

    /// <summary>Disposes every wire this process built and has not disposed (reporting, not throwing, a failure).</summary>
    public static void RemoveAll()
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
