using System.Diagnostics;

namespace Experiments.Common;

/// <summary>
/// The untimed JIT warm-up of one kind of point: <see cref="Run"/> is a small version of its workload, run until a run
/// leaves the JIT nothing new to compile, so that the point is measured on the code it runs in steady state.
/// <para>Why: with tiered compilation (and dynamic PGO) a method starts as unoptimised tier-0 code and is recompiled
/// optimised only after about 30 calls counted once the JIT has been idle for 100 ms (framework methods go through an
/// instrumented tier first, so a hot path takes several such steps). A point of a few hundred
/// milliseconds that runs paths no earlier point ran (the first MSG point, the capability operations) was otherwise
/// measured partly on tier-0 code: on the 2-core VM its cost was 2-12x its steady state.</para>
/// <para>One round is a run, then a wait until no method has been compiled for <see cref="Quiet"/> (at most
/// <see cref="MaxWait"/>); the warm-up ends after the first round that compiled nothing, or after
/// <see cref="MaxRounds"/> rounds (then <see cref="JitWarmUpResult.Settled"/> is false and the note says so).
/// Compilations anywhere in the process count, so other work in it can only make the warm-up longer, never shorter.</para>
/// </summary>
/// <param name="Kind">What the warm-up is for; a sweep warms each kind once, before its first point.</param>
/// <param name="Run">A small untimed run of the workload; its results are discarded.</param>
public sealed record JitWarmUp(string Kind, Action Run)
{
    public const int MaxRounds = 24;
    public static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(150);
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(3);

    /// <summary>Runs the rounds (see the type's summary).</summary>
    public JitWarmUpResult Settle() => Settle(Run, () => System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: false), Quiet, MaxWait);

    /// <summary>The rounds over any compiled-method counter (tests give a scripted one).</summary>
    internal static JitWarmUpResult Settle(Action run, Func<long> compiledMethods, TimeSpan quiet, TimeSpan maxWait)
    {
        long total = 0;
        var clock = Stopwatch.StartNew();
        for (int round = 1; round <= MaxRounds; round++)
        {
            long before = compiledMethods();
            run();
            WaitUntilQuiet(compiledMethods, quiet, maxWait);
            long compiled = compiledMethods() - before;
            total += compiled;
            if (compiled == 0) return new JitWarmUpResult(round, total, true, clock.Elapsed);
        }
        return new JitWarmUpResult(MaxRounds, total, false, clock.Elapsed);
    }

    static void WaitUntilQuiet(Func<long> compiledMethods, TimeSpan quiet, TimeSpan maxWait)
    {
        var waited = Stopwatch.StartNew();
        var still = Stopwatch.StartNew();
        long last = compiledMethods();
        while (still.Elapsed < quiet && waited.Elapsed < maxWait)
        {
            Thread.Sleep(10);
            long now = compiledMethods();
            if (now != last) { last = now; still.Restart(); }
        }
    }
}
