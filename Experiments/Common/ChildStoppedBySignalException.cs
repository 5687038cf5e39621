namespace Experiments.Common;

/// <summary>
/// A child process (the C twin) ended by SIGINT or SIGTERM (exit 130 or 143). Ctrl-C in a terminal, or a signal to the
/// process group, reaches the child and this program together; .NET runs this program's handler (<see cref="StopSignals"/>)
/// on the thread pool, so the child's end can be seen before the sweep's token is cancelled. <see cref="SweepRunner"/>
/// gives the handler <see cref="SweepRunner.SignalGrace"/> to cancel it: the point is then interrupted, else failed.
/// </summary>
public sealed class ChildStoppedBySignalException(string message) : OperationCanceledException(message);
