using Multikernel.CpuDriver;
using Multikernel.Hardware;

namespace Benchmarks.CpuDriver;

/// <summary>
/// A dispatcher that stays runnable (reports local work) for <c>rounds</c> run upcalls and does nothing else, so its
/// core's CPU driver makes empty rounds: each is the driver's own work (this dispatcher's waitset poll, run and
/// local-work upcalls, skipping or visiting the core's blocked dispatchers). It times them with two clock reads,
/// publishes cycles per round and leaves the core from its last run upcall.
/// </summary>
public sealed class RoundCounter(long rounds, TaskCompletionSource<double> cyclesPerRound) : Dispatcher("bench-round-counter")
{
    long _runs;
    ulong _start;
    bool _finished;

    protected internal override bool HasLocalWork => !_finished;

    protected internal override bool Run()
    {
        if (_finished) return false;
        if (_runs++ == 0)
        {
            _start = CycleClock.Now();
            return false;
        }
        if (_runs <= rounds) return false;
        _finished = true;
        cyclesPerRound.SetResult((double)(CycleClock.Now() - _start) / rounds);
        Driver.Retire(this);
        return true;
    }
}
