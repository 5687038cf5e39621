using System.Runtime.InteropServices;
using Multikernel.Net.Wire;

namespace Experiments.Common;

/// <summary>
/// How a sweep program stops on SIGINT (Ctrl-C) or SIGTERM (what run-all.sh forwards, and what `timeout` or a
/// shutdown sends): the first signal cancels <see cref="Token"/> (the sweep stops before its next point, finished
/// points stay on disk, meta.json says what is missing); a second one ends the process at once, with exit code
/// 128 + the signal's number (130 for SIGINT, 143 for SIGTERM). Child processes started through <see cref="ChildLaunch"/> die with the process either way.
/// <para>The experiment's veth wires (<see cref="VethWire"/>) follow the same rule: while these signals are registered,
/// the first signal leaves them up (the unit in progress may be measuring over one; the program disposes them as it
/// ends), and the second removes them before the process ends.</para>
/// </summary>
public sealed class StopSignals : IDisposable
{
    readonly CancellationTokenSource _cancel = new();
    readonly PosixSignalRegistration[] _registrations;
    readonly string _program, _unit;
    readonly ManualResetEventSlim _wiresRemoved = new();
    volatile int _abortStatus; // 0 until a second signal; then 128 + its number

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
        int code = commandLine(args, Console.Out, Console.Error, stop.Token);
        return stop.ExitCodeAfter(code);
    }

    /// <summary>
    /// The exit code of a command line that returned <paramref name="code"/>: a second signal's status once its handler
    /// has removed the wires (the command line may return first: its series failed when the wire went), else the code.
    /// </summary>
    int ExitCodeAfter(int code)
    {
        if (_abortStatus == 0) return code;
        _wiresRemoved.Wait();
        return _abortStatus;
    }

    void OnSignal(PosixSignalContext context)
    {
        if (_cancel.IsCancellationRequested)
        {
            // Second signal: end at once, with the status a shell gives the signal's end. Removing the wires takes a few
            // ip commands, and a series on a wire fails as soon as it is gone, so the command line may return first:
            // Run then waits for the removal and returns the same status (ExitCodeAfter).
            _abortStatus = 128 + (context.Signal == PosixSignal.SIGINT ? 2 : 15);
            VethWire.RemoveUndisposed();
            _wiresRemoved.Set();
            Environment.Exit(_abortStatus);
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
