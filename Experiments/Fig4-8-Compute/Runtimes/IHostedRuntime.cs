namespace Compute.Runtimes;

/// <summary>
/// A runtime whose loops must be started from inside it (e.g. on the master dispatcher of a multikernel domain)
/// rather than from the host thread: the sweep hands it the whole benchmark run.
/// </summary>
public interface IHostedRuntime
{
    T Execute<T>(Func<T> body);
}
