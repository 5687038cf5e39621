using System.Diagnostics;
using Multikernel;
using Multikernel.Domains;
using Multikernel.Hardware;
using Multikernel.Threads;
using Mutex = Multikernel.Threads.Mutex;

namespace Benchmarks.Threads;

/// <summary>
/// A contended short critical section: T threads on each of the given cores take one lock in a loop (inside: a counter
/// increment and a short spin; outside: the same spin), on the multikernel's user threads (<see cref="Mutex"/>, a
/// domain with one dispatcher per core, each thread yielding to its dispatcher every 64 iterations so that the
/// dispatcher polls its messages) and on pinned host threads (a Monitor, <c>lock</c>). For each T: one untimed batch,
/// then <c>batches</c> timed ones; prints the median and minimum wall time per acquisition (all threads' acquisitions
/// over the batch's elapsed time, timed alike for both: from releasing the created threads together to joining the
/// last; creating them is not timed). Shows whether a contended mutex serialises on wake-ups (a lock convoy) rather than
/// on the critical section.
/// </summary>
public static class MutexContention
{
    /// <summary>Thread.SpinWait iterations inside and outside the critical section.</summary>
    public const int SectionSpin = 20;
    const int YieldEvery = 64;

    public static int Execute(int[] cpus, int[] threadsPerCore, int batches, int iterations, TextWriter output)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batches, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        if (threadsPerCore.Length == 0 || threadsPerCore.Any(t => t < 1)) throw new ArgumentException("threads per core must be 1 or more", nameof(threadsPerCore));
        output.WriteLine($"Contended mutex on {cpus.Length} core(s) ({CoreAffinity.FormatList(cpus)}): every thread takes one lock {iterations} times per batch, Thread.SpinWait({SectionSpin}) inside and outside;");
        output.WriteLine($"{batches} timed batches after an untimed one; ns per acquisition = batch time / all threads' acquisitions");
        output.WriteLine($"{"lock",-44} {"threads/core",12} {"median ns",10} {"min ns",8}");
        using var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = cpus });
        using var domain = Domain.CreateAsync(mk, Enumerable.Range(0, cpus.Length).ToArray()).GetAwaiter().GetResult();
        foreach (int t in threadsPerCore)
        {
            var mkNs = Measure(batches, () => MultikernelBatch(domain, cpus.Length * t, iterations));
            output.WriteLine($"{"multikernel threads package Mutex",-44} {t,12} {mkNs[mkNs.Length / 2],10:F0} {mkNs[0],8:F0}");
            var hostNs = Measure(batches, () => HostBatch(cpus, t, iterations));
            output.WriteLine($"{"pinned host threads, Monitor (lock)",-44} {t,12} {hostNs[hostNs.Length / 2],10:F0} {hostNs[0],8:F0}");
        }
        mk.Shutdown();
        return 0;
    }

    /// <summary>Nanoseconds per acquisition of each timed batch, sorted.</summary>
    static double[] Measure(int batches, Func<double> batch)
    {
        var result = new double[batches];
        for (int b = -1; b < batches; b++)
        {
            double ns = batch();
            if (b >= 0) result[b] = ns;
        }
        Array.Sort(result);
        return result;
    }

    /// <summary>One batch on the domain's user threads (thread i on dispatcher i mod cores); ns per acquisition.</summary>
    static double MultikernelBatch(Domain domain, int threads, int iterations)
    {
        int cores = domain.DispatcherCount;
        long counter = 0, started = 0, finished = 0;
        var run = domain.RunMainAsync(async () =>
        {
            var mutex = new Mutex();
            // As the host batch: the clock starts when every thread has been created and released together, and
            // stops when the last one has been joined; spawning is not timed.
            var start = new Multikernel.Threads.Barrier(threads + 1);
            var all = new List<UThread>(threads);
            for (int i = 0; i < threads; i++)
                all.Add(UThread.SpawnOn(i % cores, async () =>
                {
                    await start.SignalAndWaitAsync();
                    for (int n = 1; n <= iterations; n++)
                    {
                        await mutex.LockAsync();
                        counter++;
                        Thread.SpinWait(SectionSpin);
                        mutex.Unlock();
                        Thread.SpinWait(SectionSpin);
                        if (n % YieldEvery == 0) await UThread.Yield();
                    }
                }));
            await start.SignalAndWaitAsync();
            started = Stopwatch.GetTimestamp();
            foreach (var u in all) await u.Join();
            finished = Stopwatch.GetTimestamp();
        });
        if (!run.Wait(TimeSpan.FromMinutes(2))) throw new TimeoutException("a contended-mutex batch did not finish within 2 minutes (a lost wake-up?)");
        if (counter != (long)threads * iterations) throw new InvalidOperationException($"mutual exclusion broken: {counter} increments, expected {(long)threads * iterations}");
        return Stopwatch.GetElapsedTime(started, finished).TotalNanoseconds / counter;
    }

    /// <summary>One batch on pinned host threads with a Monitor; ns per acquisition.</summary>
    static double HostBatch(int[] cpus, int threadsPerCore, int iterations)
    {
        var gate = new object();
        long counter = 0;
        using var start = new System.Threading.Barrier(cpus.Length * threadsPerCore + 1);
        var threads = new List<Thread>();
        for (int i = 0; i < cpus.Length * threadsPerCore; i++)
        {
            int cpu = cpus[i % cpus.Length];
            var th = new Thread(() =>
            {
                CoreAffinity.PinCurrentThread(cpu);
                start.SignalAndWait();
                for (int n = 0; n < iterations; n++)
                {
                    lock (gate)
                    {
                        counter++;
                        Thread.SpinWait(SectionSpin);
                    }
                    Thread.SpinWait(SectionSpin);
                }
            }) { IsBackground = true };
            th.Start();
            threads.Add(th);
        }
        start.SignalAndWait();
        var sw = Stopwatch.StartNew();
        foreach (var th in threads) th.Join();
        sw.Stop();
        if (counter != (long)threads.Count * iterations) throw new InvalidOperationException($"mutual exclusion broken: {counter} increments");
        return sw.Elapsed.TotalNanoseconds / counter;
    }
}
