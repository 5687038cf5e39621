using System.Runtime.CompilerServices;

namespace Benchmarks.Suite;

/// <summary>The pause between empty polls, the same instruction the native reference uses (<c>_mm_pause</c>).</summary>
public static class Poll
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Pause()
    {
        if (System.Runtime.Intrinsics.X86.X86Base.IsSupported) System.Runtime.Intrinsics.X86.X86Base.Pause();
        else Thread.SpinWait(1);
    }
}
