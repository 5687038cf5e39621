using System.Runtime.CompilerServices;

namespace Fig1.SharedState;

/// <summary>
/// Turns an endless spin into an error: a spinning loop calls <see cref="Spin"/> on every empty poll and
/// <see cref="Progress"/> when something arrives; after <see cref="UpdateProtocol.Stall"/> without progress it throws.
/// The clock is read only every 65536 empty polls, so the check costs nothing measurable.
/// <para>The first check after progress arms the deadline. The poll counter is 64 bits wide, so it never comes back
/// to that first check while the spin goes on (a 32-bit one would after 2^32 polls, under a minute at 14 ns a poll,
/// and re-arm the deadline for ever).</para>
/// </summary>
public struct StallGuard
{
    ulong _spins;
    long _deadline;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Progress() => _spins = 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Spin(string waitingFor)
    {
        if ((++_spins & 0xFFFF) == 0) Check(waitingFor);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    void Check(string waitingFor)
    {
        long now = Environment.TickCount64;
        if (_spins == 0x10000 || _deadline == 0) _deadline = now + (long)UpdateProtocol.Stall.TotalMilliseconds;
        else if (now > _deadline)
            throw new TimeoutException($"no progress for {UpdateProtocol.Stall.TotalSeconds:0} s while waiting for {waitingFor}");
    }
}
