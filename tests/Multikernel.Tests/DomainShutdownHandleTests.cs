using System.Runtime.CompilerServices;
using Multikernel.Threads;

namespace Multikernel.Tests;

/// <summary>A system that shuts down under a live domain: threads spawned into a dispatcher whose core had stopped are released, not pinned.</summary>
public class DomainShutdownHandleTests
{
    const int LateSpawns = 80;   // more than a ring holds (64 slots): some wait in the sender's backlog

    /// <summary>
    /// The domain's dispatcher 1 runs on core index 0 and dispatcher 0 on core index 1; Shutdown stops core 0 first.
    /// A thread of dispatcher 0 holds core 1 until dispatcher 1's core has stopped, then spawns threads on it: their
    /// spawn messages are never read (some in the ring, some in dispatcher 0's backlog). Once the system and the
    /// domain are down, nothing may keep those threads reachable (a message's object handle pins its object until
    /// taken, for the life of the process).
    /// </summary>
    [Fact]
    public void ShutdownUnderALiveDomainReleasesThreadsSpawnedIntoAStoppedCore()
    {
        var cpus = CoreAffinity.AllowedCpus();
        Assert.SkipWhen(cpus.Count < 2, "needs two cores; this process may use one");
        var late = ShutDownWhileSpawningIntoAStoppedCore([cpus[0], cpus[1]]);
        Assert.Equal(LateSpawns, late.Count);
        for (int i = 0; i < 3 && late.Any(w => w.TryGetTarget(out _)); i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        int alive = late.Count(w => w.TryGetTarget(out _));
        Assert.True(alive == 0, $"{alive} of the {LateSpawns} threads spawned into a dispatcher whose core had stopped are still alive after the shutdown and a full GC: their spawn messages' object handles were never taken");
    }

    /// <summary>The threads spawned after dispatcher 1's core stopped, weakly held (no frame of the caller keeps them alive).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    static List<WeakReference<UThread>> ShutDownWhileSpawningIntoAStoppedCore(int[] cpus)
    {
        var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = cpus, PhysicalMemoryBytes = 16 << 20 });
        var domain = BootedSystem.Wait(Domain.CreateAsync(mk, [1, 0]));
        var late = new List<WeakReference<UThread>>();
        var armed = new int[1];
        var outcome = new string?[1];
        BootedSystem.Wait(domain.RunMainAsync(() =>
        {
            UThread.Spawn(async () =>
            {
                while (Volatile.Read(ref armed[0]) == 0) await UThread.Yield();
                // Holds core 1 (this thread does not yield) until dispatcher 1's core has stopped, at most 10 s.
                var stoppedBy = DateTime.UtcNow + TimeSpan.FromSeconds(10);
                while (!domain.Dispatchers[1].SystemStopped)
                    if (DateTime.UtcNow > stoppedBy) { outcome[0] = "dispatcher 1's core did not stop within 10 s"; return; }
                for (int i = 0; i < LateSpawns; i++) late.Add(new WeakReference<UThread>(UThread.SpawnOn(1, () => UTask.CompletedTask)));
                outcome[0] = "spawned";
            });
            return UTask.CompletedTask;
        }));
        Volatile.Write(ref armed[0], 1);
        mk.Shutdown(TimeSpan.FromSeconds(20));
        domain.Dispose();
        Assert.Equal("spawned", outcome[0]);
        return late;
    }
}
