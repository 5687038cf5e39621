using Multikernel.Hardware;
using Multikernel.Urpc;

namespace Multikernel.Tests;

public class WaitsetTests
{
    /// <summary>
    /// Four sender threads, each on its own channel, into one waitset that polls briefly and then blocks:
    /// every message from every channel is handled, per-channel order is kept, and the receiver really slept
    /// (the senders pause between bursts) and was woken through the notifier.
    /// </summary>
    [Fact]
    public void ServesAllChannelsAndWakesFromSleep()
    {
        const int Senders = 4, PerSender = 20_000;
        using var notifier = new Notifier();
        var ws = new Waitset(notifier);
        var channels = Enumerable.Range(0, Senders).Select(_ => new UrpcChannel(8)).ToArray();
        var next = new long[Senders];
        long disorder = 0;
        for (int s = 0; s < Senders; s++)
        {
            int id = s;
            ws.Add(channels[s], (UrpcChannel c, in UrpcMessage m) =>
            {
                if ((long)m[0] != next[id] || m[1] != (ulong)id) disorder++;
                next[id]++;
            });
        }
        var threads = Enumerable.Range(0, Senders).Select(s => new Thread(() =>
        {
            for (int i = 0; i < PerSender; i++)
            {
                channels[s].Send(1, (ulong)i, (ulong)s);
                if (i % 5000 == 4999) Thread.Sleep(20); // let the receiver fall asleep
            }
        })).ToArray();
        foreach (var t in threads) t.Start();
        long total = 0;
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (total < Senders * PerSender && DateTime.UtcNow < deadline)
            total += ws.Wait(pollCycles: 20_000, deadline: TimeSpan.FromSeconds(1));
        foreach (var t in threads) t.Join();
        Assert.Equal(Senders * PerSender, total);
        Assert.Equal(0, disorder);
        Assert.All(next, n => Assert.Equal(PerSender, n));
        Assert.True(notifier.Wakeups > 0, "the receiver never slept and was woken; the blocking path was not exercised");
        foreach (var c in channels) c.Dispose();
    }

    [Fact]
    public void WaitTimesOutWhenNothingArrives()
    {
        using var notifier = new Notifier();
        var ws = new Waitset(notifier);
        using var ch = new UrpcChannel(4);
        ws.Add(ch, (UrpcChannel c, in UrpcMessage m) => { });
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(0, ws.Wait(1000, TimeSpan.FromMilliseconds(30)));
        Assert.True(sw.ElapsedMilliseconds >= 25);
    }
}
