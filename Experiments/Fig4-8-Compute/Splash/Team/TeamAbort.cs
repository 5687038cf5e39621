namespace Splash.Team;

/// <summary>
/// The abort switch of a host team: when one worker fails, <see cref="Abort"/> makes every host-primitive wait of the
/// other workers (locks, conditions, barriers) end with an <see cref="OperationCanceledException"/> within
/// <see cref="PollInterval"/>, and so does every pause of a polling loop (<see cref="HostPause"/>), so a failed team
/// unwinds instead of hanging. Lock, condition and barrier waits poll it only while blocked, so the uncontended paths
/// never look at it.
/// </summary>
public sealed class TeamAbort
{
    /// <summary>How often a blocked host wait re-checks the switch.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    readonly CancellationTokenSource _cts = new();

    public CancellationToken Token => _cts.Token;

    public bool IsAborted => _cts.IsCancellationRequested;

    public void Abort() => _cts.Cancel();

    public void ThrowIfAborted()
    {
        if (_cts.IsCancellationRequested)
            throw new OperationCanceledException("team aborted: another worker of the team failed", _cts.Token);
    }
}
