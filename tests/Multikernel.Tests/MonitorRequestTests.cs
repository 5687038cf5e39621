using System.Runtime.CompilerServices;
using Multikernel.Monitor;

namespace Multikernel.Tests;

/// <summary>Requests one monitor makes of another: what is left behind when one cannot be sent or cannot be answered.</summary>
public class MonitorRequestTests
{
    sealed class Idle : Dispatcher
    {
        public Idle() : base("idle") { }
    }

    /// <summary>Asks <paramref name="m"/> to spawn on core index <paramref name="to"/> with a fresh image; the image is reachable only through what the monitor kept.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    static (Exception? Error, WeakReference Image) SpawnFreshImage(MonitorDispatcher m, int to)
    {
        var payload = new byte[64];
        Func<Dispatcher> image = () => { GC.KeepAlive(payload); return new Idle(); };
        var weak = new WeakReference(image);
        try { m.SpawnOn(to, image, static _ => { }); return (null, weak); }
        catch (Exception e) { return (e, weak); }
    }

    [Fact]
    public async Task SpawnToACoreThatIsNotBootedIsRefusedWithoutPinningTheImage()
    {
        using var mk = MultikernelSystem.Boot();
        var (error, image) = await mk.CallOn(0, m => SpawnFreshImage(m, m.CoreCount));
        Assert.IsAssignableFrom<ArgumentException>(error);
        for (int i = 0; i < 3 && image.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.False(image.IsAlive, "the refused spawn left the image's GC handle allocated");
    }

    [Fact]
    public async Task ShutdownCompletesASpawnWhoseReplyCanNoLongerBeReceived()
    {
        var ct = TestContext.Current.CancellationToken;
        var mk = MultikernelSystem.Boot();
        if (mk.CoreCount < 2) { mk.Dispose(); return; }
        using var entered = new ManualResetEventSlim(false);
        using var release = new ManualResetEventSlim(false);
        // The image holds core 1 until core 0 has stopped, so its reply reaches a monitor that no longer receives.
        var spawn = mk.SpawnAsync(0, 1, () => { entered.Set(); release.Wait(); return new Idle(); });
        Assert.True(entered.Wait(TimeSpan.FromSeconds(10), ct), "the image did not start on core 1");
        var shutdown = Task.Run(mk.Dispose, ct);
        await Task.Delay(300, ct);
        release.Set();
        await shutdown.WaitAsync(TimeSpan.FromSeconds(20), ct);
        var first = await Task.WhenAny(spawn, Task.Delay(TimeSpan.FromSeconds(5), ct));
        Assert.True(first == spawn, "the requester of a spawn still waits after the system shut down");
        if (spawn.IsFaulted) Assert.Contains("stopped", spawn.Exception!.InnerException!.Message);
    }

    [Fact]
    public async Task ShutdownCompletesABindWhoseReplyCanNoLongerBeReceived()
    {
        var ct = TestContext.Current.CancellationToken;
        var mk = MultikernelSystem.Boot();
        if (mk.CoreCount < 2) { mk.Dispose(); return; }
        using var entered = new ManualResetEventSlim(false);
        using var release = new ManualResetEventSlim(false);
        // A host call holds core 1 until core 0 has stopped; the bind request core 0 sends waits behind it.
        var hold = mk.CallOn(1, _ => { entered.Set(); release.Wait(); return 0; });
        Assert.True(entered.Wait(TimeSpan.FromSeconds(10), ct), "core 1 did not take the host call");
        var bind = mk.BindAsync(0, 1);
        await Task.Delay(100, ct); // core 0 has sent the bind request
        var shutdown = Task.Run(mk.Dispose, ct);
        await Task.Delay(300, ct);
        release.Set();
        await shutdown.WaitAsync(TimeSpan.FromSeconds(20), ct);
        await hold;
        var first = await Task.WhenAny(bind, Task.Delay(TimeSpan.FromSeconds(5), ct));
        Assert.True(first == bind, "the requester of a bind still waits after the system shut down");
        Assert.True(bind.IsFaulted);
    }
}
