using Multikernel.Drivers;

namespace Experiments.Tests;

/// <summary>
/// The HTTP server's per-connection bookkeeping on its own: the ring of receive descriptors not yet copied into the
/// inbox (first in, first out, bounded by the driver's credits) and the fixed pool of inboxes (lent, returned, never
/// returned twice).
/// </summary>
public class IOHttpConnectionTests
{
    /// <summary>
    /// Descriptors come out in the order they went in, also once the ring has wrapped; dropping the head forgets how
    /// much of it was copied; one more than the driver's credits is refused with the reason.
    /// </summary>
    [Fact]
    public void PendingDescriptorsLeaveInOrderAcrossTheRingsWrapAndBeyondTheCreditsAreRefused()
    {
        var c = new HttpConnection();
        c.Reset(7);
        int credits = ServedConnection.RxCredits;
        for (int i = 0; i < credits; i++) c.AddPending(i, 100 + i);
        var e = Assert.Throws<InvalidOperationException>(() => c.AddPending(99, 1));
        Assert.Contains($"more than {credits} receive descriptors", e.Message);
        c.PendingCopied = 40;
        c.DropPendingHead();
        Assert.Equal(0, c.PendingCopied);
        c.AddPending(credits, 100 + credits); // wraps into the slot the head left
        var order = new List<(int, int)>();
        while (c.PendingCount > 0)
        {
            order.Add(c.PendingHead);
            c.DropPendingHead();
        }
        Assert.Equal(Enumerable.Range(1, credits).Select(i => (i, 100 + i)), order);
    }

    [Fact]
    public void TheInboxPoolLendsEachInboxOnceAndRefusesOneReturnedTwice()
    {
        var pool = new InboxPool(2);
        Assert.True(pool.TryTake(out var a));
        Assert.True(pool.TryTake(out var b));
        Assert.NotSame(a, b);
        Assert.Equal(HttpConnection.InboxBytes, a.Length);
        Assert.False(pool.TryTake(out _));
        Assert.Equal(0, pool.Available);
        pool.Return(a);
        pool.Return(b);
        Assert.Equal(2, pool.Available);
        Assert.Contains("returned twice", Assert.Throws<InvalidOperationException>(() => pool.Return(a)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new InboxPool(0));
    }
}
