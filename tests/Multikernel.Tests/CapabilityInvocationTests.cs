using static Multikernel.Tests.CapabilityTestCore;

namespace Multikernel.Tests;

/// <summary>Capability invocations on one core: what each does, and the named error each invalid one returns without changing anything.</summary>
public class CapabilityInvocationTests
{
    const ulong Page = CapTypeRules.PageSize;
    const ulong Free = 64 * 1024; // RAM below this holds the root CNode (16 KiB) in every test here

    static readonly Cptr Ram = CSpace.BootRam;

    /// <summary>Retypes a 4-level table tree and one frame into slots 10..14 and maps the frame at <paramref name="va"/>.</summary>
    static void MapOneFrame(CapabilityTestCore t, ulong va, CapRights rights = CapRights.ReadWrite)
    {
        var d = t.Driver; var s = t.Space;
        Ok(d.Retype(s, Ram, CapType.VNodePml4, Free, 0, 1, Slot(10)));
        Ok(d.Retype(s, Ram, CapType.VNodePdpt, Free + Page, 0, 1, Slot(11)));
        Ok(d.Retype(s, Ram, CapType.VNodePdir, Free + 2 * Page, 0, 1, Slot(12)));
        Ok(d.Retype(s, Ram, CapType.VNodePtable, Free + 3 * Page, 0, 1, Slot(13)));
        Ok(d.Retype(s, Ram, CapType.Frame, Free + 4 * Page, Page, 1, Slot(14)));
        Ok(d.Map(s, Slot(10), PageTables.IndexAt(va, 3), Slot(11), CapRights.None));
        Ok(d.Map(s, Slot(11), PageTables.IndexAt(va, 2), Slot(12), CapRights.None));
        Ok(d.Map(s, Slot(12), PageTables.IndexAt(va, 1), Slot(13), CapRights.None));
        Ok(d.Map(s, Slot(13), PageTables.IndexAt(va, 0), Slot(14), rights));
    }

    /// <summary>Retypes <paramref name="bytes"/> of the boot RAM at <see cref="Free"/> into a RAM capability in slot 2 and copies it to slot 3.</summary>
    static void RamAndACopy(CapabilityTestCore t, ulong bytes)
    {
        Ok(t.Driver.Retype(t.Space, Ram, CapType.Ram, Free, bytes, 1, Slot(2)));
        Ok(t.Driver.Copy(t.Space, Slot(2), Slot(3)));
    }

    [Fact]
    public void RetypeCreatesChildObjectsWithTheSourcesRights()
    {
        using var t = new CapabilityTestCore();
        Ok(t.Driver.Retype(t.Space, Ram, CapType.Frame, Free, 2 * Page, 3, Slot(5)));
        for (int i = 0; i < 3; i++)
        {
            Ok(t.Driver.Identify(t.Space, Slot(5 + i), out var id));
            Assert.Equal(new CapObjectKey(CapType.Frame, Free + (ulong)i * 2 * Page, 2 * Page, 0), id.Key);
            Assert.Equal(CapRights.All, id.Rights);
            Assert.Equal(0, id.Owner);
        }
        var tree = t.Driver.Snapshot();
        Assert.Equal(0, tree[0].Depth); // the boot RAM
        Assert.All(tree.Skip(1), r => Assert.Equal(1, r.Depth));
        Assert.Null(t.Driver.Validate());
    }

    [Fact]
    public void MapWritesX86EntriesThatAPageWalkFollowsAndUnmapClearsThem()
    {
        using var t = new CapabilityTestCore();
        const ulong va = 0x7f12_3456_7000;
        MapOneFrame(t, va);
        Assert.True(PageTables.TryWalk(t.Memory, t.Space[Slot(10)].Base, va, out ulong pte));
        Assert.Equal(Free + 4 * Page, PageTableEntry.Address(pte));
        Assert.True(PageTableEntry.IsWritable(pte));
        Ok(t.Driver.Unmap(t.Space, Slot(13), PageTables.IndexAt(va, 0)));
        Assert.False(PageTables.TryWalk(t.Memory, t.Space[Slot(10)].Base, va, out _));
        Assert.Equal((t.Space[Slot(13)].Base, PageTables.IndexAt(va, 0), 1), Assert.Single(t.Cleared));
        // The frame capability may be mapped again, read-only this time.
        Ok(t.Driver.Map(t.Space, Slot(13), 7, Slot(14), CapRights.Read));
        Assert.True(PageTables.TryWalk(t.Memory, t.Space[Slot(10)].Base, (va & ~0x1F_FFFFUL) | 7 * Page, out pte));
        Assert.False(PageTableEntry.IsWritable(pte));
    }

    [Fact]
    public void AMultiPageFrameTakesConsecutiveEntries()
    {
        using var t = new CapabilityTestCore();
        Ok(t.Driver.Retype(t.Space, Ram, CapType.VNodePtable, Free, 0, 1, Slot(3)));
        Ok(t.Driver.Retype(t.Space, Ram, CapType.Frame, Free + Page, 4 * Page, 1, Slot(4)));
        Assert.Equal(CapError.InvalidMapSlot, t.Driver.Map(t.Space, Slot(3), 510, Slot(4), CapRights.Read));
        Ok(t.Driver.Map(t.Space, Slot(3), 100, Slot(4), CapRights.Read));
        Assert.Equal(CapError.VNodeSlotEmpty, t.Driver.Unmap(t.Space, Slot(3), 101)); // not the mapping's first entry
        Ok(t.Driver.Unmap(t.Space, Slot(3), 100));
        Assert.Equal((Free, 100, 4), Assert.Single(t.Cleared));
    }

    [Fact]
    public void DeletingAMappedFrameOrItsTableClearsTheEntries()
    {
        using var t = new CapabilityTestCore();
        const ulong va = 0x4000_0000;
        MapOneFrame(t, va);
        ulong root = t.Space[Slot(10)].Base;
        Ok(t.Driver.Delete(t.Space, Slot(14)));
        Assert.False(PageTables.TryWalk(t.Memory, root, va, out _));
        Ok(t.Driver.Retype(t.Space, Ram, CapType.Frame, Free + 5 * Page, Page, 1, Slot(14)));
        Ok(t.Driver.Map(t.Space, Slot(13), PageTables.IndexAt(va, 0), Slot(14), CapRights.Read));
        Assert.True(PageTables.TryWalk(t.Memory, root, va, out _));
        Ok(t.Driver.Delete(t.Space, Slot(12))); // the page directory: unlinked from the PDPT, its own entries cleared
        Assert.False(PageTables.TryWalk(t.Memory, root, va, out _));
        Ok(t.Driver.Unmap(t.Space, Slot(13), PageTables.IndexAt(va, 0))); // the last-level table itself still maps the frame
        Assert.Null(t.Driver.Validate());
    }

    [Fact]
    public void CopiesShareTheObjectAndTheLastDeleteLiftsItsDescendants()
    {
        using var t = new CapabilityTestCore();
        RamAndACopy(t, 16 * Page);
        Ok(t.Driver.Retype(t.Space, Slot(3), CapType.Frame, 0, Page, 2, Slot(4)));
        Assert.Equal(CapError.RevokeFirst, t.Driver.Retype(t.Space, Slot(2), CapType.Frame, Page, Page, 1, Slot(6))); // the copy's children are the object's
        Ok(t.Driver.Delete(t.Space, Slot(2)));
        Assert.Equal(2, t.Driver.Snapshot().Count(r => r.Key.Type == CapType.Frame && r.Depth == 2));
        Ok(t.Driver.Delete(t.Space, Slot(3))); // the last capability to the RAM: its frames move up to the boot RAM
        Assert.Equal(2, t.Driver.Snapshot().Count(r => r.Key.Type == CapType.Frame && r.Depth == 1));
        Assert.Null(t.Driver.Validate());
    }

    [Fact]
    public void RevokeDeletesCopiesAndDescendantsAndFreesTheRangeForRetype()
    {
        using var t = new CapabilityTestCore();
        RamAndACopy(t, 64 * Page);
        Ok(t.Driver.Retype(t.Space, Slot(2), CapType.Ram, 0, 8 * Page, 2, Slot(4)));
        Ok(t.Driver.Retype(t.Space, Slot(4), CapType.Frame, 0, Page, 8, Slot(10)));
        Ok(t.Driver.Copy(t.Space, Slot(10), Slot(20)));
        int before = t.Driver.CapabilityCount;
        Ok(t.Driver.Revoke(t.Space, Slot(2)));
        Assert.Equal(before - 1 - 2 - 8 - 1, t.Driver.CapabilityCount);
        Assert.True(t.Space[Slot(3)].IsNull);
        Assert.True(t.Space[Slot(20)].IsNull);
        Ok(t.Driver.Retype(t.Space, Slot(2), CapType.Frame, 0, 64 * Page, 1, Slot(4)));
        Assert.Null(t.Driver.Validate());
    }

    [Fact]
    public void RevokingTheRamOfAnL2CNodeDeletesWhatItHeld()
    {
        using var t = new CapabilityTestCore();
        Ok(t.Driver.Retype(t.Space, Ram, CapType.Ram, Free, 64 * Page, 1, Slot(2)));
        Ok(t.Driver.Retype(t.Space, Slot(2), CapType.CNode, 0, CapTypeRules.CNodeGranule, 1, Slot(7)));
        Ok(t.Driver.Retype(t.Space, Ram, CapType.Frame, Free + 64 * Page, Page, 1, Cptr.At(7, 9)));
        Ok(t.Driver.Identify(t.Space, Cptr.At(7, 9), out var id));
        Assert.Equal(CapType.Frame, id.Type);
        Ok(t.Driver.Revoke(t.Space, Slot(2)));
        Assert.True(t.Space[Slot(7)].IsNull);
        Assert.Equal(CapError.InvalidAddress, t.Driver.Identify(t.Space, Cptr.At(7, 9), out _)); // the L2 CNode is gone
        Assert.DoesNotContain(t.Driver.Snapshot(), r => r.Key.Type == CapType.Frame); // and the frame it held with it
        Assert.Null(t.Driver.Validate());
    }

    [Fact]
    public void RevokingTheBootRamDestroysTheCSpaceItsRootCameFrom()
    {
        using var t = new CapabilityTestCore();
        Ok(t.Driver.Retype(t.Space, Ram, CapType.Frame, Free, Page, 4, Slot(1)));
        Ok(t.Driver.Revoke(t.Space, Ram));
        Assert.Equal(0, t.Space.RootSlots);
        Assert.Equal(0, t.Driver.CapabilityCount); // the root CNode's slots went with it, the boot RAM cap included
        Assert.Null(t.Driver.Validate());
    }

    [Fact]
    public void MintShrinksRightsAndBadgesEndpointsAsChildObjects()
    {
        using var t = new CapabilityTestCore();
        Ok(t.Driver.Retype(t.Space, Ram, CapType.Dispatcher, Free, 0, 1, Slot(2)));
        Assert.Equal(CapError.DispatcherState, t.Driver.Retype(t.Space, Slot(2), CapType.Endpoint, 0, 0, 1, Slot(3)));
        var running = new object();
        Ok(t.Driver.SetupDispatcher(t.Space, Slot(2), running));
        Ok(t.Driver.Retype(t.Space, Slot(2), CapType.Endpoint, 0, 0, 1, Slot(3)));
        Ok(t.Driver.Mint(t.Space, Slot(3), Slot(4), CapRights.Write, badge: 7));
        Ok(t.Driver.Mint(t.Space, Slot(3), Slot(5), CapRights.Write, badge: 7)); // same badge: another copy of that object
        Ok(t.Driver.Mint(t.Space, Slot(4), Slot(6), CapRights.Write));
        Ok(t.Driver.Identify(t.Space, Slot(6), out var id));
        Assert.Equal(7u, id.Key.Badge);
        var badged = t.Driver.Snapshot().Where(r => r.Key.Badge == 7).ToList();
        Assert.Equal(3, badged.Count);
        Assert.All(badged, r => Assert.Equal(3, r.Depth)); // boot RAM, dispatcher, endpoint, badged endpoint
        Ok(t.Driver.Revoke(t.Space, Slot(3))); // the unbadged endpoint: every badged one goes
        Assert.True(t.Space[Slot(4)].IsNull && t.Space[Slot(5)].IsNull && t.Space[Slot(6)].IsNull);
        Assert.Null(t.Driver.Validate());
    }

    [Fact]
    public void AHandleNoticesDeletionEvenAfterTheSlotIsReused()
    {
        using var t = new CapabilityTestCore();
        Ok(t.Driver.Retype(t.Space, Ram, CapType.Frame, Free, Page, 1, Slot(2)));
        Ok(t.Driver.GetHandle(t.Space, Slot(2), out var h));
        Assert.Equal(CapError.Ok, h.Check(CapType.Frame, CapRights.Read));
        Ok(t.Driver.Delete(t.Space, Slot(2)));
        Ok(t.Driver.Retype(t.Space, Ram, CapType.Frame, Free, Page, 1, Slot(2)));
        Assert.False(h.IsLive);
        Assert.Equal(CapError.Revoked, h.Check(CapType.Frame, CapRights.Read));
    }

    [Fact]
    public void ACSpaceForAnotherDispatcherIsACopyOfACNodeCap()
    {
        using var t = new CapabilityTestCore();
        Ok(t.Driver.Retype(t.Space, Ram, CapType.CNode, Free, CapTypeRules.CNodeGranule, 1, Slot(2)));
        Ok(t.Driver.CreateCSpace(t.Space, Slot(2), out var other));
        Assert.Equal(Cptr.L2Slots, other.RootSlots);
        Ok(t.Driver.Retype(t.Space, Ram, CapType.Frame, Free + CapTypeRules.CNodeGranule, Page, 1, other, Slot(0)));
        Ok(t.Driver.Copy(other, Slot(0), t.Space, Slot(3)));
        Ok(t.Driver.Delete(t.Space, Slot(2)));
        Assert.Equal(CapType.Frame, other[Slot(0)].Type); // the other dispatcher's root copy keeps the CNode alive
        t.Driver.DestroyCSpace(other);
        Assert.False(t.Space[Slot(3)].IsNull);
        Assert.DoesNotContain(t.Driver.Snapshot(), r => r.Key.Type == CapType.CNode && r.Key.Base == Free);
        Assert.Null(t.Driver.Validate());
    }

    // ------------------------------------------------------------------ invalid invocations: named error, nothing changed

    /// <summary>Runs <paramref name="setup"/>, then asserts that <paramref name="invalid"/> returns <paramref name="expected"/> and leaves the state as it was.</summary>
    static void Refused(CapError expected, Action<CapabilityTestCore> setup, Func<CapabilityTestCore, CapError> invalid)
    {
        using var t = new CapabilityTestCore();
        setup(t);
        string before = t.State();
        Assert.Equal(expected, invalid(t));
        Assert.Equal(before, t.State());
        Assert.Null(t.Driver.Validate());
    }

    static void FrameAndTable(CapabilityTestCore t)
    {
        Ok(t.Driver.Retype(t.Space, Ram, CapType.VNodePtable, Free, 0, 1, Slot(2)));
        Ok(t.Driver.Retype(t.Space, Ram, CapType.Frame, Free + Page, Page, 1, Slot(3)));
    }

    /// <summary>Set-up: <see cref="FrameAndTable"/>, then a copy of <paramref name="source"/> minted into <paramref name="target"/> with <paramref name="rights"/>.</summary>
    static Action<CapabilityTestCore> FrameAndTableMinting(Cptr source, Cptr target, CapRights rights) => t =>
    {
        FrameAndTable(t);
        Ok(t.Driver.Mint(t.Space, source, target, rights));
    };

    [Fact]
    public void MappingARamCapAsAFrameIsWrongType() =>
        Refused(CapError.WrongType, FrameAndTable, t => t.Driver.Map(t.Space, Slot(2), 0, Ram, CapRights.Read));

    [Fact]
    public void MappingIntoAFrameIsWrongType() =>
        Refused(CapError.WrongType, FrameAndTable, t => t.Driver.Map(t.Space, Slot(3), 0, Slot(3), CapRights.Read));

    [Fact]
    public void MappingATableAtTheWrongLevelIsWrongType() =>
        Refused(CapError.WrongType, t =>
        {
            FrameAndTable(t);
            Ok(t.Driver.Retype(t.Space, Ram, CapType.VNodePml4, Free + 2 * Page, 0, 1, Slot(4)));
        }, t => t.Driver.Map(t.Space, Slot(4), 0, Slot(2), CapRights.None)); // a PML4 links PDPTs, not last-level tables

    [Fact]
    public void RetypingAFrameIsInvalidRetype() =>
        Refused(CapError.InvalidRetype, FrameAndTable, t => t.Driver.Retype(t.Space, Slot(3), CapType.Frame, 0, Page, 1, Slot(9)));

    [Fact]
    public void AWritableMappingOfAReadOnlyFrameIsMissingRights() =>
        Refused(CapError.MissingRights, FrameAndTableMinting(Slot(3), Slot(4), CapRights.Read),
            t => t.Driver.Map(t.Space, Slot(2), 0, Slot(4), CapRights.ReadWrite));

    [Fact]
    public void MappingThroughAReadOnlyTableCapIsMissingRights() =>
        Refused(CapError.MissingRights, FrameAndTableMinting(Slot(2), Slot(5), CapRights.Read),
            t => t.Driver.Map(t.Space, Slot(5), 0, Slot(3), CapRights.Read));

    [Fact]
    public void ExportingWithoutGrantIsMissingRights() =>
        Refused(CapError.MissingRights, FrameAndTableMinting(Slot(3), Slot(4), CapRights.ReadWrite),
            t => t.Driver.Export(t.Space, Slot(4), CapRights.Read, out _));

    [Fact]
    public void MintingMoreRightsThanTheSourceIsRightsNotSubset() =>
        Refused(CapError.RightsNotSubset, FrameAndTableMinting(Slot(3), Slot(4), CapRights.Read),
            t => t.Driver.Mint(t.Space, Slot(4), Slot(5), CapRights.ReadWrite));

    [Fact]
    public void CopyingFromAnEmptySlotIsEmptySlot() =>
        Refused(CapError.EmptySlot, FrameAndTable, t => t.Driver.Copy(t.Space, Slot(40), Slot(41)));

    [Fact]
    public void MappingAnEmptySlotIsEmptySlot() =>
        Refused(CapError.EmptySlot, FrameAndTable, t => t.Driver.Map(t.Space, Slot(2), 0, Slot(40), CapRights.Read));

    [Fact]
    public void AnAddressPastTheRootCNodeIsInvalidAddress() =>
        Refused(CapError.InvalidAddress, FrameAndTable, t => t.Driver.Copy(t.Space, Slot(3), Slot(Cptr.L2Slots)));

    [Fact]
    public void ALevelTwoAddressThroughAFrameIsInvalidAddress() =>
        Refused(CapError.InvalidAddress, FrameAndTable, t => t.Driver.Copy(t.Space, Cptr.At(3, 0), Slot(9)));

    [Fact]
    public void AStaleAddressThroughADeletedL2CNodeIsInvalidAddress() =>
        Refused(CapError.InvalidAddress, t =>
        {
            Ok(t.Driver.Retype(t.Space, Ram, CapType.CNode, Free, CapTypeRules.CNodeGranule, 1, Slot(7)));
            Ok(t.Driver.Retype(t.Space, Ram, CapType.Frame, Free + CapTypeRules.CNodeGranule, Page, 1, Cptr.At(7, 1)));
            Ok(t.Driver.Delete(t.Space, Slot(7)));
        }, t => t.Driver.Copy(t.Space, Cptr.At(7, 1), Slot(9)));

    [Fact]
    public void AStaleSlotAfterDeleteIsEmptySlot() =>
        Refused(CapError.EmptySlot, t =>
        {
            FrameAndTable(t);
            Ok(t.Driver.Copy(t.Space, Slot(3), Slot(4)));
            Ok(t.Driver.Delete(t.Space, Slot(4)));
        }, t => t.Driver.Map(t.Space, Slot(2), 0, Slot(4), CapRights.Read));

    [Fact]
    public void ARevokedObjectCannotBeMapped() =>
        Refused(CapError.EmptySlot, t =>
        {
            Ok(t.Driver.Retype(t.Space, Ram, CapType.VNodePtable, Free, 0, 1, Slot(2)));
            Ok(t.Driver.Retype(t.Space, Ram, CapType.Ram, Free + Page, 4 * Page, 1, Slot(3)));
            Ok(t.Driver.Retype(t.Space, Slot(3), CapType.Frame, 0, Page, 1, Slot(4)));
            Ok(t.Driver.Revoke(t.Space, Slot(3)));
        }, t => t.Driver.Map(t.Space, Slot(2), 0, Slot(4), CapRights.Read));

    [Fact]
    public void CopyingIntoAFullSlotIsSlotInUse() =>
        Refused(CapError.SlotInUse, FrameAndTable, t => t.Driver.Copy(t.Space, Slot(3), Slot(2)));

    [Fact]
    public void RetypingIntoAFullSlotIsSlotInUse() =>
        Refused(CapError.SlotInUse, FrameAndTable, t => t.Driver.Retype(t.Space, Ram, CapType.Frame, 32 * Page, Page, 3, Slot(1)));

    [Fact]
    public void ARetypeOverlappingAFrameIsRevokeFirst() =>
        Refused(CapError.RevokeFirst, FrameAndTable, t => t.Driver.Retype(t.Space, Ram, CapType.Frame, Free, 4 * Page, 1, Slot(9)));

    [Fact]
    public void ARetypeOverlappingTheRootCNodeIsRevokeFirst() =>
        Refused(CapError.RevokeFirst, FrameAndTable, t => t.Driver.Retype(t.Space, Ram, CapType.Frame, 0, Page, 1, Slot(9)));

    [Fact]
    public void ARetypeOverlappingAGrandchildIsRevokeFirst() =>
        Refused(CapError.RevokeFirst, t =>
        {
            Ok(t.Driver.Retype(t.Space, Ram, CapType.Ram, Free, 16 * Page, 1, Slot(2)));
            Ok(t.Driver.Retype(t.Space, Slot(2), CapType.Frame, 8 * Page, Page, 1, Slot(3)));
        }, t => t.Driver.Retype(t.Space, Ram, CapType.Frame, Free + 8 * Page, Page, 1, Slot(9)));

    [Fact]
    public void ARetypePastTheSourceIsInvalidOffset() =>
        Refused(CapError.InvalidOffset, FrameAndTable, t => t.Driver.Retype(t.Space, Ram, CapType.Frame, RamBytes - Page, 2 * Page, 1, Slot(9)));

    [Fact]
    public void AnUnalignedOffsetIsInvalidOffset() =>
        Refused(CapError.InvalidOffset, FrameAndTable, t => t.Driver.Retype(t.Space, Ram, CapType.Frame, Free + 8 * Page + 8, Page, 1, Slot(9)));

    [Fact]
    public void AFrameOfHalfAPageIsInvalidSize() =>
        Refused(CapError.InvalidSize, FrameAndTable, t => t.Driver.Retype(t.Space, Ram, CapType.Frame, Free + 8 * Page, Page / 2, 1, Slot(9)));

    [Fact]
    public void ZeroObjectsIsInvalidCount() =>
        Refused(CapError.InvalidCount, FrameAndTable, t => t.Driver.Retype(t.Space, Ram, CapType.Frame, Free + 8 * Page, Page, 0, Slot(9)));

    [Fact]
    public void MoreObjectsThanSlotsIsInvalidCount() =>
        Refused(CapError.InvalidCount, FrameAndTable, t => t.Driver.Retype(t.Space, Ram, CapType.Frame, Free + 8 * Page, Page, 3, Slot(Cptr.L2Slots - 2)));

    [Fact]
    public void RetypingTheWholeSourceIntoItsOwnTypeIsInvalidRetype() =>
        Refused(CapError.InvalidRetype, t => Ok(t.Driver.Retype(t.Space, Ram, CapType.Ram, Free, 4 * Page, 1, Slot(2))),
            t => t.Driver.Retype(t.Space, Slot(2), CapType.Ram, 0, 4 * Page, 1, Slot(9)));

    [Fact]
    public void BadgingAFrameIsInvalidBadge() =>
        Refused(CapError.InvalidBadge, FrameAndTable, t => t.Driver.Mint(t.Space, Slot(3), Slot(9), CapRights.Read, badge: 3));

    [Fact]
    public void MappingOverAnEntryInUseIsVNodeSlotInUse() =>
        Refused(CapError.VNodeSlotInUse, t =>
        {
            FrameAndTable(t);
            Ok(t.Driver.Map(t.Space, Slot(2), 5, Slot(3), CapRights.Read));
            Ok(t.Driver.Copy(t.Space, Slot(3), Slot(4)));
        }, t => t.Driver.Map(t.Space, Slot(2), 5, Slot(4), CapRights.Read));

    [Fact]
    public void MappingAMappedCapabilityAgainIsAlreadyMapped() =>
        Refused(CapError.AlreadyMapped, t =>
        {
            FrameAndTable(t);
            Ok(t.Driver.Map(t.Space, Slot(2), 5, Slot(3), CapRights.Read));
        }, t => t.Driver.Map(t.Space, Slot(2), 6, Slot(3), CapRights.Read));

    [Fact]
    public void AnEntryPastTheTableIsInvalidMapSlot() =>
        Refused(CapError.InvalidMapSlot, FrameAndTable, t => t.Driver.Map(t.Space, Slot(2), CapTypeRules.VNodeEntries, Slot(3), CapRights.Read));

    [Fact]
    public void UnmappingAnEmptyEntryIsVNodeSlotEmpty() =>
        Refused(CapError.VNodeSlotEmpty, FrameAndTable, t => t.Driver.Unmap(t.Space, Slot(2), 9));

    [Fact]
    public void SendingATableToAnotherCoreIsNotTransferable() =>
        Refused(CapError.NotTransferable, FrameAndTable, t => t.Driver.Export(t.Space, Slot(2), CapRights.Read, out _));

    [Fact]
    public void ImportingWithoutTheMonitorsAgreementIsNotAHolder() =>
        Refused(CapError.NotAHolder, FrameAndTable,
            t => t.Driver.Import(t.Space, Slot(9), new SerializedCap(new CapObjectKey(CapType.Frame, RamBytes, Page, 0), CapRights.Read, 1)));

    [Fact]
    public void ImportingAnObjectOutsidePhysicalMemoryIsOutsidePhysicalMemory() =>
        Refused(CapError.OutsidePhysicalMemory, FrameAndTable,
            t => t.Driver.Import(t.Space, Slot(9), new SerializedCap(new CapObjectKey(CapType.Frame, 4 << 20, Page, 0), CapRights.Read, 1)));

    [Fact]
    public void SettingUpADispatcherTwiceIsDispatcherState() =>
        Refused(CapError.DispatcherState, t =>
        {
            Ok(t.Driver.Retype(t.Space, Ram, CapType.Dispatcher, Free, 0, 1, Slot(2)));
            Ok(t.Driver.SetupDispatcher(t.Space, Slot(2), new object()));
        }, t => t.Driver.SetupDispatcher(t.Space, Slot(2), new object()));

    [Fact]
    public void AnEndpointOfADispatcherNeverSetUpIsDispatcherState() =>
        Refused(CapError.DispatcherState, t => Ok(t.Driver.Retype(t.Space, Ram, CapType.Dispatcher, Free, 0, 1, Slot(2))),
            t => t.Driver.Retype(t.Space, Slot(2), CapType.Endpoint, 0, 0, 1, Slot(3)));

    /// <summary>What the monitors' replica says of every object: fixed relations to other cores.</summary>
    sealed class OtherCores(RemoteRelations relations) : IRemoteCapabilities
    {
        public RemoteRelations RelationsOf(in CapObjectKey key, int core) => relations;
        public int OwnerOf(in CapObjectKey key, int core) => core + 1;
        public bool IsHolder(in CapObjectKey key, int core) => true;
        public bool IsLocked(in CapObjectKey key) => (relations & RemoteRelations.Locked) != 0;
    }

    /// <summary>Set-up: <see cref="FrameAndTable"/> and a copy of the frame in slot 4, then every object has <paramref name="relations"/> to other cores.</summary>
    static Action<CapabilityTestCore> Shared(RemoteRelations relations) => t =>
    {
        FrameAndTable(t);
        Ok(t.Driver.Copy(t.Space, Slot(3), Slot(4)));
        t.Driver.Remote = new OtherCores(relations);
    };

    [Theory]
    [InlineData("delete")]
    [InlineData("revoke")]
    [InlineData("retype")]
    [InlineData("copy")]
    [InlineData("mint")]
    [InlineData("export")]
    [InlineData("import")]
    public void AnInvocationOnAnObjectAnAgreementHoldsIsLocked(string invocation) =>
        Refused(CapError.Locked, Shared(RemoteRelations.Copies | RemoteRelations.Locked), t => invocation switch
        {
            "delete" => t.Driver.Delete(t.Space, Slot(3)),
            "revoke" => t.Driver.Revoke(t.Space, Slot(3)),
            "retype" => t.Driver.Retype(t.Space, Ram, CapType.Frame, Free + 8 * Page, Page, 1, Slot(9)),
            "copy" => t.Driver.Copy(t.Space, Slot(3), Slot(9)),
            "mint" => t.Driver.Mint(t.Space, Slot(3), Slot(9), CapRights.Read),
            "export" => t.Driver.Export(t.Space, Slot(3), CapRights.Read, out _),
            _ => t.Driver.Import(t.Space, Slot(9), new SerializedCap(t.Space[Slot(3)].Key, CapRights.Read, 1)),
        });

    [Fact]
    public void DeletingTheLastCopyOfAnObjectOtherCoresHoldIsNeedsAgreement() =>
        Refused(CapError.NeedsAgreement, Shared(RemoteRelations.Copies), t => t.Driver.Delete(t.Space, Slot(2)));

    [Fact]
    public void RevokingAnObjectWithDescendantsOnOtherCoresIsNeedsAgreement() =>
        Refused(CapError.NeedsAgreement, Shared(RemoteRelations.Descendants), t => t.Driver.Revoke(t.Space, Slot(3)));

    [Fact]
    public void RetypingAnObjectOtherCoresHoldIsNeedsAgreement() =>
        Refused(CapError.NeedsAgreement, Shared(RemoteRelations.Copies), t => t.Driver.Retype(t.Space, Ram, CapType.Frame, Free + 8 * Page, Page, 1, Slot(9)));

    [Fact]
    public void AnInvocationOnAnotherCoresCSpaceIsWrongCore()
    {
        using var t = new CapabilityTestCore();
        FrameAndTable(t);
        var other = new CapabilityDriver(1, t.Memory);
        string before = t.State();
        Assert.Equal(CapError.WrongCore, other.Map(t.Space, Slot(2), 0, Slot(3), CapRights.Read));
        Assert.Equal(CapError.WrongCore, other.Delete(t.Space, Slot(3)));
        Assert.Equal(before, t.State());
    }

    [Fact]
    public void BootRejectsBadArguments()
    {
        using var mem = new PhysicalMemory(1 << 20);
        var d = new CapabilityDriver(0, mem);
        Assert.Throws<ArgumentOutOfRangeException>(() => d.CreateBootCSpace(0, 2 << 20));
        Assert.Throws<ArgumentOutOfRangeException>(() => d.CreateBootCSpace(0, 1 << 20, rootSlots: 100));
        d.CreateBootCSpace(0, 512 * 1024);
        Assert.Throws<ArgumentException>(() => d.CreateBootCSpace(256 * 1024, 512 * 1024));
    }
}

/// <summary>The invocation hot path allocates nothing (a property of the code, not a timing).</summary>
public class CapabilityAllocationTests
{
    [Fact]
    public void MapUnmapCopyDeleteAndRetypeOfAFrameAllocateNothing()
    {
        using var t = new CapabilityTestCore();
        var d = t.Driver; var s = t.Space;
        CapabilityTestCore.Ok(d.Retype(s, CSpace.BootRam, CapType.VNodePtable, 64 * 1024, 0, 1, Cptr.Root(2)));
        CapabilityTestCore.Ok(d.Retype(s, CSpace.BootRam, CapType.Frame, 128 * 1024, CapTypeRules.PageSize, 1, Cptr.Root(3)));
        CapabilityTestCore.Ok(d.Retype(s, CSpace.BootRam, CapType.Ram, 256 * 1024, 16 * CapTypeRules.PageSize, 1, Cptr.Root(4)));
        void Round()
        {
            for (int i = 0; i < 100; i++)
            {
                CapabilityTestCore.Ok(d.Map(s, Cptr.Root(2), i, Cptr.Root(3), CapRights.ReadWrite));
                CapabilityTestCore.Ok(d.Unmap(s, Cptr.Root(2), i));
                CapabilityTestCore.Ok(d.Copy(s, Cptr.Root(3), Cptr.Root(5)));
                CapabilityTestCore.Ok(d.Delete(s, Cptr.Root(5)));
                CapabilityTestCore.Ok(d.Retype(s, Cptr.Root(4), CapType.Frame, (ulong)(i % 16) * CapTypeRules.PageSize, CapTypeRules.PageSize, 1, Cptr.Root(6)));
                CapabilityTestCore.Ok(d.Delete(s, Cptr.Root(6)));
            }
        }
        for (int w = 0; w < 200; w++) Round(); // past tiered compilation
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int r = 0; r < 20; r++) Round();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
