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
}
