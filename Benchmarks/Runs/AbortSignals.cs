using System.Runtime.InteropServices;

namespace Benchmarks.Runs;

/// <summary>
/// SIGINT, SIGTERM and SIGHUP during an A/B run (<see cref="AgainstRun"/>): the first one cancels <see cref="Token"/>,
/// so that the run kills the child in progress (the baseline's build or a side's suite run) with its process tree,
/// waits for it, removes its temporary worktree and build, and ends with <see cref="ExitCode"/>, 128 + the signal's
/// number, as a shell reports a program ended by it. A second signal takes the runtime's default action (the process
/// ends; children started through ChildLaunch die with it).
/// </summary>
public sealed class AbortSignals : IDisposable
{
    readonly CancellationTokenSource _cancel = new();
    readonly PosixSignalRegistration[] _registrations;
    int _number; // 0 until the first signal (set once, by Interlocked)

    public AbortSignals() =>
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal)];

    /// <summary>Cancelled by the first signal.</summary>
    public CancellationToken Token => _cancel.Token;

    /// <summary>128 + the first signal's number (130 SIGINT, 143 SIGTERM, 129 SIGHUP).</summary>
    public int ExitCode => 128 + Volatile.Read(ref _number);

    /// <summary>The first signal's name, e.g. "SIGTERM".</summary>
    public string Name => Volatile.Read(ref _number) switch { 1 => "SIGHUP", 2 => "SIGINT", _ => "SIGTERM" };

    void OnSignal(PosixSignalContext context)
    {
        int number = context.Signal switch { PosixSignal.SIGHUP => 1, PosixSignal.SIGINT => 2, _ => 15 };
        if (Interlocked.CompareExchange(ref _number, number, 0) != 0) return; // a second signal: the default action
        context.Cancel = true;
        _cancel.Cancel();
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _cancel.Dispose();
    }
}
