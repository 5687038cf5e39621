using System.Runtime.CompilerServices;

namespace Multikernel.Tests;

/// <summary>Messages a stopped core never read: the object handles they hold are released when the system shuts down.</summary>
public class UnreadMessageHandleTests
{
    /// <summary>Posts a host call whose closure holds a fresh object; only the call's message keeps that object reachable.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    static (Task<int> Call, WeakReference Payload) PostCallHolding(MultikernelSystem mk)
    {
        var payload = new byte[64];
        var weak = new WeakReference(payload);
        return (mk.CallOn(0, _ => { GC.KeepAlive(payload); return 1; }), weak);
    }

    /// <summary>
    /// A core whose CPU driver faults with a host call still unread in its port fails that call (the driver's Faulted
    /// hook); the message stays in the ring, and its object handle must be taken when the system frees the ring, or the
    /// call and all it holds stay pinned for the life of the process (every later boot in it adds more).
    /// </summary>
    [Fact]
    public void ShutdownReleasesTheHandleOfAHostCallAFaultedCoreNeverRead()
    {
        var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = [CoreAffinity.AllowedCpus()[0]], PhysicalMemoryBytes = 8 << 20 });
        var held = new ManualResetEventSlim(false);
        var release = new ManualResetEventSlim(false);
        var faulting = mk.CallOn(0, m => { held.Set(); release.Wait(); m.Driver.Adopt(new FaultsOnStart()); return 0; });
        Assert.True(held.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken), "core 0 never ran the host call");
        var (unread, payload) = PostCallHolding(mk);
        release.Set();
        Assert.Equal(0, BootedSystem.Wait(faulting, 10));
        Assert.True(((IAsyncResult)unread).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(10)), "the call posted before the fault was not failed by it");
        Assert.True(unread.IsFaulted, $"the call posted before the fault ended {unread.Status}");
        var shutdown = Record.Exception(mk.Dispose);
        Assert.True(shutdown is AggregateException, $"Shutdown after the fault ended with {shutdown?.GetType().Name ?? "no error"}, not the faulted drivers' AggregateException");
        unread = null!;
        for (int i = 0; i < 3 && payload.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.False(payload.IsAlive, "a host call left unread in a faulted core's port is still reachable after the shutdown and a full GC: its message's object handle was never taken");
    }

    /// <summary>
    /// Core 0 asks core 1 to spawn a dispatcher whose image holds core 1 and then fails. Core 0 stops meanwhile (its
    /// monitor answers the spawn with "stopped"), so core 1's reply, which names the image's exception by a handle,
    /// is never read: the shutdown must take that handle, or the exception and all it holds stay pinned.
    /// </summary>
    [Fact]
    public void ShutdownReleasesTheHandleOfASpawnReplyItsRequesterNeverRead()
    {
        var cpus = CoreAffinity.AllowedCpus();
        Assert.SkipWhen(cpus.Count < 2, "needs a second core whose reply reaches a stopped one; this process may use one");
        var ct = TestContext.Current.CancellationToken;
        var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = [cpus[0], cpus[1]], PhysicalMemoryBytes = 16 << 20 });
        var entered = new ManualResetEventSlim(false);
        var release = new ManualResetEventSlim(false);
        var error = new WeakReference?[1];
        var request = SpawnFailingAfter(mk, entered, release, error);
        Assert.True(entered.Wait(TimeSpan.FromSeconds(10), ct), "core 1 never ran the image");
        var shutdown = Task.Run(mk.Dispose, ct);
        // Core 0's monitor answers its pending spawn as it stops: from then on it reads nothing.
        Assert.True(((IAsyncResult)request).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(10)), "core 0 did not stop within 10 s");
        Assert.True(request.IsFaulted && request.Exception!.InnerException!.Message.Contains("stopped", StringComparison.Ordinal),
            $"the spawn ended {request.Status} ({request.Exception?.InnerException?.Message}), not failed by core 0's stop");
        release.Set();
        BootedSystem.Wait(shutdown, 20);
        Assert.NotNull(error[0]);
        for (int i = 0; i < 3 && error[0]!.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.False(error[0]!.IsAlive, "the error core 1 sent to the stopped core 0 is still reachable after the shutdown and a full GC: its spawn reply's object handle was never taken");
    }

    /// <summary>Spawns from core 0 onto core 1 an image that holds core 1 until released and then throws an exception only the reply keeps.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    static Task<DispatcherId> SpawnFailingAfter(MultikernelSystem mk, ManualResetEventSlim entered, ManualResetEventSlim release, WeakReference?[] error) =>
        mk.SpawnAsync(0, 1, () =>
        {
            entered.Set();
            release.Wait();
            var e = new InvalidDataException("the image failed after its requester stopped");
            error[0] = new WeakReference(e);
            throw e;
        });
}
