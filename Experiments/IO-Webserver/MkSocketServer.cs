using Multikernel;
using Multikernel.CpuDriver;

namespace IOWebserver;

/// <summary>
/// What the multikernel servers on the host kernel's sockets (<see cref="MkUdpEchoServer"/>, <see cref="MkWebServer"/>)
/// share: the booted multikernel that runs their dispatchers, spawning those in order, stopping the system once, and
/// freeing the server's sockets and pools only after the system (and so every dispatcher using them) has stopped.
/// <para>Invariants: <see cref="Mk"/> is set by the derived constructor before it returns; <see cref="Stop"/> shuts it
/// down at most once; <see cref="FreeResources"/> runs once, after that shutdown.</para>
/// </summary>
public abstract class MkSocketServer : IRunningServer
{
    bool _stopped;

    public int Port { get; protected init; }
    public IReadOnlyList<int> Cores { get; protected init; } = [];
    /// <summary>The server's multikernel, booted by the derived constructor.</summary>
    protected MultikernelSystem Mk { get; init; } = null!;
    protected bool Stopped => _stopped;

    /// <summary>
    /// Spawns each dispatcher on its core (an index into <see cref="Cores"/>), in the order given, and waits for each;
    /// when one fails the whole server is disposed and the error rethrown.
    /// </summary>
    protected void Spawn(params ReadOnlySpan<(int Core, Dispatcher Dispatcher)> dispatchers)
    {
        try
        {
            foreach (var (core, dispatcher) in dispatchers) Mk.SpawnAsync(0, core, () => dispatcher).Wait();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Stop()
    {
        if (!_stopped)
        {
            _stopped = true;
            Mk.Shutdown();
        }
        return Account();
    }

    /// <summary>The server's own account of what it did (for the notes); read after the system stopped.</summary>
    protected abstract string Account();

    /// <summary>Frees the sockets and pools the server owns; called once, after the system stopped.</summary>
    protected abstract void FreeResources();

    public void Dispose()
    {
        try { Stop(); }
        finally { FreeResources(); }
    }
}
