using Multikernel.Threads;
using Splash.Team;

namespace Compute.Runtimes;

/// <summary>The pause of a polling loop on the multikernel: the user thread yields, so its dispatcher polls its channels.</summary>
sealed class MkPause : TeamWaitable
{
    protected override bool Begin() => false;

    protected override void Park(Action continuation) => UThread.Yield().UnsafeOnCompleted(continuation);
}
