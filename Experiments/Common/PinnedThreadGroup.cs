using Multikernel.Hardware;

namespace Experiments.Common;

/// <summary>
/// Runs one measurement thread per core, each pinned to its core before it does anything else, and waits for all
/// of them. The threads share a <see cref="SpinBarrier"/> so a body can line up its timed phases. If one body throws,
/// the barrier is aborted (so the others do not wait forever) and the first exception is rethrown on the caller.
/// The wait is bounded by a stall, not by the length of the run: the group is given up on (barrier aborted,
/// <see cref="TimeoutException"/>) only when a thread is unfinished and the bodies' progress count has stood still for
/// a whole <c>stall</c> period, or longer where the steps so far were long (<see cref="StallWatch"/>); where a thread
/// has failed by then (its peers waiting for it outside the barrier), its exception is rethrown instead, naming the stall.
/// </summary>
public static class PinnedThreadGroup
{
    /// <summary>The work of thread <c>index</c> (0-based, pinned to <c>cores[index]</c>).</summary>
    public delegate void Body(int index, SpinBarrier barrier);

    /// <param name="stall">How long the count may stand still while a thread is unfinished.</param>
    /// <param name="progress">The bodies' progress count (e.g. repetitions finished), read from the waiting thread about once a second: only a change is looked for.</param>
    public static void Run(IReadOnlyList<int> cores, Body body, TimeSpan stall, Func<long> progress)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (cores.Count == 0) throw new ArgumentException("a thread group needs at least one core", nameof(cores));
        var barrier = new SpinBarrier(cores.Count);
        var errors = new Exception?[cores.Count];
        var threads = new Thread[cores.Count];
        for (int i = 0; i < cores.Count; i++)
        {
            int index = i, core = cores[i];
            threads[i] = new Thread(() =>
            {
                try
                {
                    CoreAffinity.PinCurrentThread(core);
                    body(index, barrier);
                }
                catch (Exception e)
                {
                    Volatile.Write(ref errors[index], e);
                    barrier.Abort();
                }
            }) { IsBackground = true, Name = $"measure{core}" };
        }
        foreach (var t in threads) t.Start();
        var watch = new StallWatch(progress, stall);
        foreach (var t in threads)
        {
            while (!t.Join(watch.NextWait))
            {
                if (!watch.Stalled()) continue;
                barrier.Abort();
                string stalled = $"measurement threads on cores {CoreList.Format(cores)} made {watch.NoProgressText}";
                // A thread that failed is the cause of a stall of the others that wait for it outside the barrier.
                if (RootCause(errors) is { } cause)
                    throw new AggregateException($"a measurement thread failed: {cause.Message}; the others did not end ({stalled})", cause);
                throw new TimeoutException(stalled);
            }
        }
        if (RootCause(errors) is { } first) throw new AggregateException($"a measurement thread failed: {first.Message}", first);
    }

    /// <summary>The first failure that is not a barrier abort (which a failure causes in the other threads), else the first failure; null if none.</summary>
    static Exception? RootCause(Exception?[] errors)
    {
        Exception? any = null;
        for (int i = 0; i < errors.Length; i++)
        {
            var e = Volatile.Read(ref errors[i]);
            if (e is not null and not OperationCanceledException) return e;
            any ??= e;
        }
        return any;
    }
}
