namespace Fig1.SharedState;

/// <summary>
/// What a polling server's rounds read the time from and how they wait after a round that took nothing: in a run the
/// TSC and one <c>pause</c> (<see cref="TscPolling"/>); a test can count rounds and waits in a clock of its own. A
/// struct type argument, so that the calls are direct and inlined, as if written in the loop.
/// </summary>
public interface IServerPolling
{
    /// <summary>The time now, in cycles.</summary>
    static abstract ulong Now();
    /// <summary>The wait after a round that took nothing.</summary>
    static abstract void Idle();
}
