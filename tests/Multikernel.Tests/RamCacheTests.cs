using static Multikernel.Tests.CapabilityTestCore;

namespace Multikernel.Tests;

/// <summary>
/// A core's RAM cache (<see cref="RamCache"/>) without a memory server: parts handed out by retype, reservations,
/// and what comes back, against a model of the boot RAM's free pages.
/// </summary>
public class RamCacheTests
{
    const ulong Page = CapTypeRules.PageSize;
    const ulong Reserved = CapTypeRules.CNodeGranule; // the boot CSpace's root CNode

    static RamCache NewCache(CapabilityTestCore t) => new(t.Driver, t.Space, Reserved, server: null);

    /// <summary>
    /// Property: for any sequence of frame retypes (1..8 pages, into root slots), deletes with their release,
    /// reservations and their return, the cache hands out a part exactly when the model (first fit over the free pages)
    /// has a free run that long, at the model's address; its counters agree with the model; and the CPU driver never
    /// refuses a retype the cache asked for (no page handed out twice).
    /// </summary>
    [FsCheck.Xunit.Property(MaxTest = 100)]
    public Property HandsOutAndTakesBackLikeAFirstFitModel()
    {
        var op = from kind in Gen.Choose(0, 3)
                 from pages in Gen.Choose(1, 64)
                 from pick in Gen.Choose(0, 1000)
                 select (Kind: kind, Pages: pages, Pick: pick);
        return Prop.ForAll(Gen.ListOf(op).ToArbitrary(), ops =>
        {
            using var t = new CapabilityTestCore();
            var cache = NewCache(t);
            int total = (int)(RamBytes / Page);
            var free = new bool[total];
            for (int p = (int)(Reserved / Page); p < total; p++) free[p] = true;
            var parts = new List<(int Slot, ulong Base, ulong Bytes)>();
            var reservations = new List<RamReservation>();
            var slots = new Stack<int>(Enumerable.Range(1, 200).Reverse());
            foreach (var o in ops)
            {
                switch (o.Kind)
                {
                    case 0 when slots.Count > 0:
                    {
                        int want = o.Pages;
                        int at = FirstFit(free, want);
                        int slot = slots.Peek();
                        var e = cache.TryRetype(CapType.Frame, (ulong)want * Page, 1, t.Space, Slot(slot), out ulong b);
                        if (at < 0) { if (e != CapError.OutOfRam) return false; break; }
                        if (e != CapError.Ok || b != (ulong)at * Page) return false;
                        slots.Pop();
                        for (int p = at; p < at + want; p++) free[p] = false;
                        parts.Add((slot, b, (ulong)want * Page));
                        break;
                    }
                    case 1 when parts.Count > 0:
                    {
                        var (slot, b, bytes) = parts[o.Pick % parts.Count];
                        parts.Remove((slot, b, bytes));
                        if (t.Driver.Delete(t.Space, Slot(slot)) != CapError.Ok) return false;
                        cache.Release(b, bytes);
                        slots.Push(slot);
                        for (ulong p = b / Page; p < (b + bytes) / Page; p++) free[p] = true;
                        break;
                    }
                    case 2:
                    {
                        int want = o.Pages;
                        int at = FirstFit(free, want);
                        CapError? got = null;
                        RamReservation? r = null;
                        cache.Reserve((ulong)want * Page, (e, res) => { got = e; r = res; });
                        if (at < 0) { if (got != CapError.OutOfRam || r != null) return false; break; }
                        if (got != CapError.Ok || r == null || r.Base != (ulong)at * Page || r.Bytes != (ulong)want * Page) return false;
                        for (int p = at; p < at + want; p++) free[p] = false;
                        reservations.Add(r);
                        break;
                    }
                    case 3 when reservations.Count > 0:
                    {
                        var r = reservations[o.Pick % reservations.Count];
                        reservations.Remove(r);
                        cache.Unreserve(r);
                        cache.Unreserve(r); // the second return gives nothing back
                        for (ulong p = r.Base / Page; p < (r.Base + r.Bytes) / Page; p++) free[p] = true;
                        break;
                    }
                }
                ulong freeBytes = (ulong)free.Count(x => x) * Page;
                ulong reserved = reservations.Aggregate(0UL, (s, r) => s + r.Bytes);
                if (cache.FreeBytes != freeBytes || cache.ReservedBytes != reserved || cache.TotalBytes != RamBytes) return false;
            }
            return t.Driver.Validate() == null;
        });
    }

    /// <summary>
    /// A retype of no objects is <see cref="CapError.InvalidCount"/>, as the CPU driver names it, and one of a size the
    /// type does not allow <see cref="CapError.InvalidSize"/>; neither hands out anything.
    /// </summary>
    [Fact]
    public void ARetypeOfNoObjectsIsInvalidCountAndOfABadSizeInvalidSize()
    {
        using var t = new CapabilityTestCore();
        var cache = NewCache(t);
        ulong free = cache.FreeBytes;
        Assert.Equal(CapError.InvalidCount, cache.TryRetype(CapType.Frame, Page, 0, t.Space, Slot(1), out _));
        Assert.Equal(CapError.InvalidCount, cache.TryRetype(CapType.Frame, Page, -1, t.Space, Slot(1), out _));
        Assert.Equal(CapError.InvalidSize, cache.TryRetype(CapType.Frame, Page / 2, 1, t.Space, Slot(1), out _));
        Assert.Equal(free, cache.FreeBytes);
        Assert.True(t.Space[Slot(1)].IsNull);
    }

    /// <summary>
    /// A dispatcher's space whose RAM does not fit after its two CNodes takes nothing (both CNodes' parts come back);
    /// one that takes exactly what is free gives all of it back when disposed.
    /// </summary>
    [Fact]
    public void ASpaceThatDoesNotFitTakesNothingAndADisposedOneGivesEverythingBack()
    {
        using var t = new CapabilityTestCore();
        var cache = NewCache(t);
        ulong free = cache.FreeBytes;
        Assert.Equal(CapError.OutOfRam, cache.CreateSpace(free, out _)); // its CNodes fit, its RAM then does not
        Assert.Equal(free, cache.FreeBytes);
        ulong ram = free - 2 * CapTypeRules.CNodeGranule;
        Assert.Equal(free, RamCache.SpaceBytes(ram));
        Ok(cache.CreateSpace(ram, out var memory));
        Assert.Equal((0UL, ram), (cache.FreeBytes, memory.RamBytes));
        memory.Dispose();
        Assert.Equal(free, cache.FreeBytes);
        Ok(cache.CreateSpace(ram, out memory));                          // the free ranges merged back into one
        memory.Dispose();
        Assert.Null(t.Driver.Validate());
    }

    /// <summary>A released part joins the free range after it and the one before it, so two released neighbours serve one request for both.</summary>
    [Fact]
    public void AReleasedPartMergesWithTheFreeRangesOnEitherSide()
    {
        using var t = new CapabilityTestCore();
        var cache = NewCache(t);
        var at = new ulong[3];                                              // the third page keeps the second apart from the rest
        for (int i = 0; i < at.Length; i++) Ok(cache.TryRetype(CapType.Frame, Page, 1, t.Space, Slot(1 + i), out at[i]));
        var (a, b) = (at[0], at[1]);
        for (int i = 1; i <= 2; i++) Ok(t.Driver.Delete(t.Space, Slot(i)));
        cache.Release(b, Page);
        cache.Release(a, Page);                                             // joins the range after it
        Ok(cache.TryRetype(CapType.Frame, 2 * Page, 1, t.Space, Slot(1), out ulong both));
        Assert.Equal(a, both);
        Ok(t.Driver.Delete(t.Space, Slot(1)));
        cache.Release(a, Page);
        cache.Release(b, Page);                                             // joins the range before it
        Ok(cache.TryRetype(CapType.Frame, 2 * Page, 1, t.Space, Slot(1), out both));
        Assert.Equal(a, both);
        Assert.Null(t.Driver.Validate());
    }

    /// <summary>
    /// A release of no bytes, of an unaligned range or of one whose end wraps past 2^64 is refused with nothing changed
    /// (it was taken: a zero-length free range inside a handed-out part made the part's own release later throw
    /// "released twice", and a wrapping one added 2^64 - a few pages to the free bytes).
    /// </summary>
    [Fact]
    public void AReleaseOfNoBytesOrOfAnUnalignedOrWrappingRangeIsRefusedAndChangesNothing()
    {
        using var t = new CapabilityTestCore();
        var cache = NewCache(t);
        Ok(cache.TryRetype(CapType.Frame, Page, 1, t.Space, Slot(1), out ulong b));
        ulong free = cache.FreeBytes;
        Assert.Throws<ArgumentException>(() => cache.Release(b, 0));
        Assert.Throws<ArgumentException>(() => cache.Release(b + 1, Page - 1));
        Assert.Throws<ArgumentException>(() => cache.Release(b, 0UL - b + Page));
        Assert.Equal(free, cache.FreeBytes);
        Ok(t.Driver.Delete(t.Space, Slot(1)));
        cache.Release(b, Page);                            // the part's own release still goes through
        Assert.Equal(free + Page, cache.FreeBytes);
        Ok(cache.TryRetype(CapType.Frame, Page, 1, t.Space, Slot(1), out ulong again));
        Assert.Equal(b, again);
    }

    /// <summary>
    /// A cache whose boot RAM's bytes in use are not a page multiple, or more than the RAM, is refused when made (it
    /// was made with a free range off the page grid, so every retype from it was refused with
    /// <see cref="CapError.InvalidOffset"/> and every reservation from it was unaligned).
    /// </summary>
    [Fact]
    public void ACacheWhoseReservedBytesAreOffThePageGridOrBeyondTheRamIsRefused()
    {
        using var t = new CapabilityTestCore();
        Assert.Throws<ArgumentOutOfRangeException>(() => new RamCache(t.Driver, t.Space, Reserved + 1, server: null));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RamCache(t.Driver, t.Space, RamBytes + Page, server: null));
        var full = new RamCache(t.Driver, t.Space, RamBytes, server: null); // all of it in use: nothing free
        Assert.Equal(0UL, full.FreeBytes);
        var cache = NewCache(t);
        Ok(cache.TryRetype(CapType.Frame, Page, 1, t.Space, Slot(1), out ulong b));
        Assert.Equal(Reserved, b);
    }

    /// <summary>
    /// A free range whose pages are still in use (its part was released while a copy of its frame lived on) is refused
    /// by the CPU driver for that range only: the cache hands out the next free range that serves instead of passing the
    /// refusal (<see cref="CapError.RevokeFirst"/>) on to a caller who holds nothing there. A refusal about the
    /// destination (a slot in use) is the same for every range and is answered at once, nothing handed out; once the
    /// copy is deleted the range serves again.
    /// </summary>
    [Fact]
    public void ARangeStillInUseIsPassedOverForTheNextOneButADestinationRefusalIsNot()
    {
        using var t = new CapabilityTestCore();
        var cache = NewCache(t);
        Ok(cache.TryRetype(CapType.Frame, Page, 1, t.Space, Slot(1), out ulong a));
        Ok(cache.TryRetype(CapType.Frame, Page, 1, t.Space, Slot(2), out ulong b));
        Assert.Equal(a + Page, b);
        Ok(t.Driver.Copy(t.Space, Slot(1), Slot(3)));
        Ok(t.Driver.Delete(t.Space, Slot(1)));
        cache.Release(a, Page); // too early: the copy in slot 3 still holds the page

        ulong free = cache.FreeBytes;
        Assert.Equal(CapError.SlotInUse, cache.TryRetype(CapType.Frame, Page, 1, t.Space, Slot(2), out _));
        Assert.Equal(free, cache.FreeBytes);
        Ok(cache.TryRetype(CapType.Frame, Page, 1, t.Space, Slot(4), out ulong c));
        Assert.Equal(b + Page, c);

        Ok(t.Driver.Delete(t.Space, Slot(3)));
        Ok(cache.TryRetype(CapType.Frame, Page, 1, t.Space, Slot(5), out ulong again));
        Assert.Equal(a, again);
        Assert.Null(t.Driver.Validate());
    }

    /// <summary>
    /// A root slot returned twice, one the cache never lent (the boot RAM's), or an address that is no root slot of the
    /// monitor's CSpace is refused with nothing changed (a second return was pushed again, so the next two takes handed
    /// the one slot to two holders); the slot's own return still goes through once.
    /// </summary>
    [Fact]
    public void ASlotReturnedTwiceOrNeverTakenIsRefusedAndTheNextTakesDiffer()
    {
        using var t = new CapabilityTestCore();
        var cache = NewCache(t);
        Assert.True(cache.TryTakeSlot(out var slot));
        cache.ReturnSlot(slot);
        Assert.Throws<InvalidOperationException>(() => cache.ReturnSlot(slot));
        Assert.Throws<InvalidOperationException>(() => cache.ReturnSlot(CSpace.BootRam));
        Assert.Throws<ArgumentException>(() => cache.ReturnSlot(Cptr.Root(t.Space.RootSlots)));
        Assert.Throws<ArgumentException>(() => cache.ReturnSlot(Cptr.At(slot.L1, 0)));
        Assert.True(cache.TryTakeSlot(out var first));
        Assert.True(cache.TryTakeSlot(out var second));
        Assert.NotEqual(first, second);
        Assert.NotEqual(CSpace.BootRam, first);
        Assert.NotEqual(CSpace.BootRam, second);
    }

    static int FirstFit(bool[] free, int pages)
    {
        int run = 0;
        for (int p = 0; p < free.Length; p++)
        {
            run = free[p] ? run + 1 : 0;
            if (run == pages) return p - pages + 1;
        }
        return -1;
    }

    /// <summary>
    /// A cache with a memory server whose core faults while a refill is in flight: the waiter is refused with
    /// <see cref="CapError.CoreFaulted"/>, no request is sent again, and a grant the server sent before it faulted
    /// (its give had put RAM into the request's slot) still adds that RAM when it is read after the fault.
    /// </summary>
    [Fact]
    public void WhenTheServersCoreFaultsWaitersAreRefusedAndALateGrantsRamIsKept()
    {
        using var t = new CapabilityTestCore();
        using var server = UrpcBinding.Allocate(8, -1, -1);
        var cache = new RamCache(t.Driver, t.Space, Reserved, server.Client, refillBits: 20);
        CapError? waiter = null;
        cache.Reserve(RamBytes, (e, _) => waiter = e); // more than the boot RAM's free part: waits for a refill
        Assert.Null(waiter);
        Assert.True(cache.RefillInFlight);
        Assert.True(server.Server.Receiver.TryReceive(out var m));
        var request = MemoryServerMessages.RamRequest.Decode(in m);

        cache.ServerFaulted();
        Assert.Equal(CapError.CoreFaulted, waiter);
        Assert.False(cache.RefillInFlight);
        CapError? later = null;
        cache.Reserve(RamBytes, (e, _) => later = e);
        Assert.Equal(CapError.CoreFaulted, later);
        Assert.False(server.Server.Receiver.HasMessage(), "the cache asked the faulted server again");

        // The give committed before the fault: its RAM is in the request's slot, and the grant follows.
        var given = t.Driver.CreateBootCSpace(RamBytes, RamBytes);
        Ok(t.Driver.Mint(given, CSpace.BootRam, t.Space, request.Destination, CapRights.All, 0));
        server.Server.Sender.Send(new MemoryServerMessages.RamGrant(request.Tag, CapError.Ok, default));
        Assert.True(cache.ServerReplies!.TryReceive(out var grant));
        cache.OnServerMessage(in grant);
        Assert.Equal(2 * RamBytes, cache.TotalBytes);
        CapError? fits = null;
        cache.Reserve(RamBytes, (e, r) => { fits = e; if (r != null) cache.Unreserve(r); });
        Assert.Equal(CapError.Ok, fits);
    }

    /// <summary>
    /// The server's core faults while the cache's request still waits for room in the server's full ring: the request
    /// is dropped (the server never sees it) and the root slot it named is free again.
    /// </summary>
    [Fact]
    public void WhenTheServersCoreFaultsARequestStillInTheBacklogIsDroppedAndItsSlotFreed()
    {
        using var t = new CapabilityTestCore();
        using var server = UrpcBinding.Allocate(2, -1, -1);
        var cache = new RamCache(t.Driver, t.Space, Reserved, server.Client, refillBits: 20);
        int freeSlots = FreeRootSlots(cache);
        var filler = new MemoryServerMessages.RamRequest(0, 20, 0, default);
        while (server.Client.Sender.TrySend(in filler)) { } // the server's ring is full: the cache's request is backlogged
        CapError? waiter = null;
        cache.Reserve(RamBytes, (e, _) => waiter = e);
        Assert.True(cache.RefillInFlight && cache.HasPendingSends);
        Assert.Equal(freeSlots - 1, FreeRootSlots(cache));

        cache.ServerFaulted();
        Assert.Equal(CapError.CoreFaulted, waiter);
        Assert.False(cache.HasPendingSends);
        Assert.Equal(freeSlots, FreeRootSlots(cache));
    }

    static int FreeRootSlots(RamCache cache)
    {
        var taken = new List<Cptr>();
        while (cache.TryTakeSlot(out var slot)) taken.Add(slot);
        foreach (var slot in taken) cache.ReturnSlot(slot);
        return taken.Count;
    }
}
