using System.Globalization;

namespace Compute.Runtimes;

/// <summary>
/// What a runtime's user threads did, summed over its dispatchers: context switches (a parked thread resumed, or a
/// yield), wake-ups sent to other cores as messages, and wake-ups that lost the mutex they were woken for. The
/// difference of two readings around a run is that run's activity.
/// </summary>
public readonly record struct ThreadActivity(long Switches, long RemoteWakes, long LostMutexRaces)
{
    public static ThreadActivity operator -(ThreadActivity after, ThreadActivity before) =>
        new(after.Switches - before.Switches, after.RemoteWakes - before.RemoteWakes, after.LostMutexRaces - before.LostMutexRaces);

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"user-thread switches {Switches}, cross-core wake-ups {RemoteWakes}, wake-ups that lost the mutex {LostMutexRaces}");
}
