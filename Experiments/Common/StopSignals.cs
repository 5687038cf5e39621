using System.Runtime.InteropServices;
using Multikernel.Net.Wire;

namespace Experiments.Common;

/// <summary>
/// How a sweep program stops on SIGINT (Ctrl-C) or SIGTERM (what run-all.sh forwards, and what `timeout` or a
/// shutdown sends): the first signal cancels <see cref="Token"/> (the sweep stops before its next point, finished
/// points stay on disk, meta.json says what is missing); a second one ends the process at once (the default action
/// of the signal). Child processes started through <see cref="ChildLaunch"/> die with the process either way.
/// <para>The experiment's veth wires (<see cref="VethWire"/>) follow the same rule: while these signals are registered,
/// the first signal leaves them up (the unit in progress may be measuring over one; the program disposes them as it
/// ends), and the second removes them before the process ends.</para>
/// </summary>
public sealed class StopSignals : IDisposable
{
    readonly CancellationTokenSource _cancel = new();
    readonly PosixSignalRegistration[] _registrations;
    readonly string _program, _unit;

    StopSignals(string program, string unit)
    {
        _program = program;
        _unit = unit;
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];
        VethWire.StopSignalsLeftToProgram = true;
    }

    /// <summary>Cancelled by the first SIGINT or SIGTERM.</summary>
    public CancellationToken Token => _cancel.Token;

    /// <param name="program">The program's name as its messages start, e.g. "fig1".</param>
    /// <param name="unit">What the sweep finishes before stopping, e.g. "point" or "series".</param>
    public static StopSignals StopsAfterCurrent(string program, string unit) => new(program, unit);

    /// <summary>
    /// A program's command line run under these signals: <paramref name="commandLine"/> gets the console and a token
    /// the first signal cancels; returns its exit code.
    /// </summary>
    public static int Run(string program, string unit, string[] args, Func<string[], TextWriter, TextWriter, CancellationToken, int> commandLine)
    {
        using var stop = StopsAfterCurrent(program, unit);
        return commandLine(args, Console.Out, Console.Error, stop.Token);
    }

    void OnSignal(PosixSignalContext context)
    {
        if (_cancel.IsCancellationRequested)
        {
            VethWire.RemoveUndisposed(); // second signal: the default action ends the process, without exit handlers
            return;
        }
        context.Cancel = true;
        string name = context.Signal == PosixSignal.SIGINT ? "Ctrl-C (SIGINT)" : "SIGTERM";
        Console.Error.WriteLine($"{_program}: {name}: stopping after the current {_unit} (signal again to abort at once)");
        _cancel.Cancel();
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        VethWire.StopSignalsLeftToProgram = false;
        _cancel.Dispose();
    }
}
