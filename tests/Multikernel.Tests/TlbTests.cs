using static Multikernel.Tests.CapabilityTestCore;

namespace Multikernel.Tests;

/// <summary>The per-core software TLB: hits, misses, rights, and that it is not coherent with the page tables until invalidated.</summary>
public sealed class TlbTests : IDisposable
{
    const ulong Va = 0x10_0000;
    readonly PmapFixture _f = new();
    readonly Pmap _vs;
    readonly Cptr _frameCap;
    readonly ulong _frame;

    public TlbTests()
    {
        _vs = _f.Space;
        (_frameCap, _frame) = _f.NewFrame();
        Ok(_vs.Map(Va, _frameCap, CapRights.ReadWrite));
    }

    public void Dispose() => _f.Dispose();

    [Fact]
    public void MissWalksAndFillsThenHits()
    {
        var tlb = new Tlb();
        Assert.False(tlb.Holds(_vs.Id, Va));
        Assert.True(tlb.TryTranslate(_vs, Va + 10, write: false, out ulong pa));
        Assert.Equal(_frame + 10, pa);
        Assert.Equal((0, 1), (tlb.Hits, tlb.Misses));
        Assert.True(tlb.Holds(_vs.Id, Va));
        Assert.True(tlb.TryTranslate(_vs, Va + 20, write: true, out pa));
        Assert.Equal(_frame + 20, pa);
        Assert.Equal((1, 1), (tlb.Hits, tlb.Misses));
        Assert.False(tlb.TryTranslate(_vs, Va + PageTables.PageSize, write: false, out _)); // unmapped: a fault, nothing cached
        Assert.False(tlb.Holds(_vs.Id, Va + PageTables.PageSize));
    }

    [Fact]
    public void StaleTranslationSurvivesUnmapUntilInvalidated()
    {
        var tlb = new Tlb();
        Assert.True(tlb.TryTranslate(_vs, Va, false, out _));
        Ok(_vs.Unmap(Va));
        // Not coherent: the cached entry still answers, as a hardware TLB would.
        Assert.True(tlb.TryTranslate(_vs, Va, false, out ulong stale));
        Assert.Equal(_frame, stale);
        tlb.InvalidatePage(_vs.Id, Va);
        Assert.False(tlb.Holds(_vs.Id, Va));
        Assert.False(tlb.TryTranslate(_vs, Va, false, out _));
        Assert.Equal(1, tlb.EntriesInvalidated);
        Assert.Equal(1, tlb.InvalidationRequests);
    }

    [Fact]
    public void ShrunkRightsNeedAnInvalidationToTakeEffect()
    {
        var tlb = new Tlb();
        Assert.True(tlb.TryTranslate(_vs, Va, write: true, out _));
        Ok(_vs.Unmap(Va));                                            // shrink the rights: map a read-only copy instead
        Ok(_vs.Map(Va, _f.Mint(_frameCap, CapRights.Read), CapRights.Read));
        Assert.True(tlb.TryTranslate(_vs, Va, write: true, out _));   // stale read-write entry
        tlb.InvalidatePage(_vs.Id, Va);
        Assert.False(tlb.TryTranslate(_vs, Va, write: true, out _));  // refilled read-only: write faults
        Assert.True(tlb.TryTranslate(_vs, Va, write: false, out _));
        long hits = tlb.Hits;
        Assert.False(tlb.TryTranslate(_vs, Va, write: true, out _));  // a hit on the read-only entry faults a write too
        Assert.Equal(hits + 1, tlb.Hits);
    }

    [Fact]
    public void EntriesAreTaggedByAddressSpace()
    {
        var other = new Pmap(_f.Frames);
        ulong f2 = _f.NewFrame() is var (c2, p2) && other.Map(Va, c2, CapRights.Read) == CapError.Ok ? p2 : throw new InvalidOperationException("map failed");
        var tlb = new Tlb();
        Assert.True(tlb.TryTranslate(_vs, Va, false, out ulong a));
        Assert.True(tlb.TryTranslate(other, Va, false, out ulong b));
        Assert.Equal(_frame, a);
        Assert.Equal(f2, b);
        tlb.InvalidatePage(other.Id, Va);
        Assert.False(tlb.Holds(other.Id, Va));
        Assert.True(tlb.TryTranslate(_vs, Va, false, out a));
        Assert.Equal(_frame, a);
    }

    [Fact]
    public void LargeRangeFlushesOnlyThatSpace()
    {
        var other = new Pmap(_f.Frames);
        var tlb = new Tlb(entries: 8);
        for (int p = 0; p < 4; p++) Ok(other.Map(0x4000_0000 + (ulong)p * PageTables.PageSize, _f.Mint(_frameCap, CapRights.Read), CapRights.Read));
        for (int p = 0; p < 4; p++) Assert.True(tlb.TryTranslate(other, 0x4000_0000 + (ulong)p * PageTables.PageSize, false, out _));
        Assert.True(tlb.TryTranslate(_vs, Va, false, out _));
        int held = Enumerable.Range(0, 4).Count(p => tlb.Holds(other.Id, 0x4000_0000 + (ulong)p * PageTables.PageSize));
        Assert.True(held >= 1);
        Assert.True(tlb.Holds(_vs.Id, Va), "the translation just made is held"); // so the check below can fail
        tlb.InvalidateRange(other.Id, 0, pages: 1 << 20); // larger than the TLB: drop every entry of that space
        Assert.Equal(0, Enumerable.Range(0, 4).Count(p => tlb.Holds(other.Id, 0x4000_0000 + (ulong)p * PageTables.PageSize)));
        Assert.True(tlb.Holds(_vs.Id, Va), "a large-range flush of another space dropped this space's entry");
        tlb.Flush();
        Assert.False(tlb.Holds(_vs.Id, Va));
    }

    /// <summary>Addresses and ids a tag cannot hold but that share a held entry's tag bits: the kernel-half twin of
    /// <see cref="Va"/> (the same low 35 bits of page number), the first non-canonical address above it, and an
    /// address-space id 2^28 above this one.</summary>
    public static TheoryData<ulong, ulong> AliasesOfTheHeldPage => new()
    {
        { 0, 0xFFFF_8000_0000_0000 | Va },
        { 0, PageTables.UserTop << 1 | Va },
        { Tlb.MaxSpaceId + 1, Va },
    };

    [Theory]
    [MemberData(nameof(AliasesOfTheHeldPage))]
    public void NothingOutsideTheTaggedRangeIsHeldOrDropsAHeldEntry(ulong spaceIdAbove, ulong va)
    {
        var tlb = new Tlb();
        Assert.True(tlb.TryTranslate(_vs, Va, false, out _));
        Assert.True(tlb.Holds(_vs.Id, Va), "the translation just made is held"); // so the checks below can fail
        ulong space = _vs.Id + spaceIdAbove;
        if (va >= PageTables.UserTop) Assert.False(tlb.TryTranslate(_vs, va, false, out _), $"0x{va:x} translated"); // never cached
        Assert.False(tlb.Holds(space, va), $"space {space}, 0x{va:x} is reported held, though no entry can cache it");
        tlb.InvalidatePage(space, va);
        Assert.True(tlb.Holds(_vs.Id, Va), $"invalidating space {space}, 0x{va:x} dropped the entry of space {_vs.Id}, 0x{Va:x}");
        Assert.Equal(0, tlb.EntriesInvalidated);
    }

    /// <summary>
    /// Property: for any sequence of maps, unmaps (the frame freed and reused), translations (read or write),
    /// invalidations of a range and flushes over a dozen pages of two tables, in a TLB of four entries (so entries evict
    /// each other and a range of four pages or more flushes the space): a translation agrees with the page tables,
    /// except on a page changed since its last invalidation, where it may instead give a translation the page had
    /// before; and after an invalidation no entry covers its pages.
    /// </summary>
    [FsCheck.Xunit.Property(MaxTest = 100)]
    public Property AgreesWithThePageTablesExceptOnPagesChangedSinceTheirLastInvalidation()
    {
        const ulong Page = PageTables.PageSize;
        var op = from kind in Gen.Choose(0, 5)
                 from page in Gen.Choose(0, 11)
                 from count in Gen.Choose(1, 6)
                 from write in Gen.Elements(true, false)
                 select (Kind: kind, Page: page, Count: count, Write: write);
        return Prop.ForAll(Gen.ListOf(op).ToArbitrary(), ops =>
        {
            using var f = new PmapFixture();
            var tlb = new Tlb(entries: 4);
            static ulong VaOf(int p) => (p < 6 ? 0x20_0000UL : 0x4000_0000UL) + (ulong)(p % 6) * Page;
            var mapped = new Dictionary<int, (Cptr Cap, ulong Pa, bool Rw)>();
            var earlier = new Dictionary<int, List<(ulong Pa, bool Rw)>>(); // per page: translations it had before its last invalidation's changes
            foreach (var o in ops)
            {
                int p = o.Page;
                switch (o.Kind)
                {
                    case 0 when !mapped.ContainsKey(p): // map a fresh frame
                    {
                        var (cap, pa) = f.NewFrame();
                        if (f.Space.Map(VaOf(p), cap, o.Write ? CapRights.ReadWrite : CapRights.Read) != CapError.Ok) return false;
                        mapped[p] = (cap, pa, o.Write);
                        break;
                    }
                    case 1 when mapped.Remove(p, out var m): // unmap and free the frame
                        if (f.Space.Unmap(VaOf(p)) != CapError.Ok || f.Frames.Free(m.Cap) != CapError.Ok) return false;
                        (earlier.TryGetValue(p, out var list) ? list : earlier[p] = new()).Add((m.Pa, m.Rw));
                        break;
                    case 2 or 3: // translate
                    {
                        bool ok = tlb.TryTranslate(f.Space, VaOf(p) + 8, o.Write, out ulong pa);
                        var may = new List<(ulong Pa, bool Rw)?>();
                        may.Add(mapped.TryGetValue(p, out var now) ? (now.Pa, now.Rw) : null);
                        if (earlier.TryGetValue(p, out var before)) may.AddRange(before.Select(b => ((ulong, bool)?)b));
                        bool explained = may.Any(t => t is { } x ? ok == (!o.Write || x.Rw) && pa == x.Pa + 8 : !ok);
                        if (!explained) return false;
                        break;
                    }
                    case 4: // invalidate a range (the second table's pages are not next to the first's)
                    {
                        int last = Math.Min(p + o.Count, p < 6 ? 6 : 12);
                        tlb.InvalidateRange(f.Space.Id, VaOf(p), last - p);
                        for (int q = p; q < last; q++)
                        {
                            earlier.Remove(q);
                            if (tlb.Holds(f.Space.Id, VaOf(q))) return false;
                        }
                        break;
                    }
                    case 5 when o.Count == 1:
                        tlb.Flush();
                        earlier.Clear();
                        break;
                }
            }
            return f.Core.Driver.Validate() == null;
        });
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(1 << 17)]
    public void SizeMustBeAPowerOfTwo(int entries) =>
        Assert.Contains("power of two", Assert.Throws<ArgumentOutOfRangeException>(() => new Tlb(entries)).Message);
}
