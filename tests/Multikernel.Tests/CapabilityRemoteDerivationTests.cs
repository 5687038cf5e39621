
namespace Multikernel.Tests;

/// <summary>
/// Capabilities that travel back and forth between simulated cores (capability drivers, replicas and the monitors'
/// agreement over a deterministic simulated network), checked in fixed scenarios: wherever a capability arrives on a
/// core, a revoke of its ancestor there still deletes it and a retype of that ancestor still refuses its range; and
/// a core that stops holding an object keeps its descendants on record, so a revoke on another core reaches them.
/// </summary>
public sealed class CapabilityRemoteDerivationTests : IDisposable
{
    const int CoreCount = 2;
    const ulong CoreRam = 1 << 20;
    const ulong Page = CapTypeRules.PageSize;

    readonly PhysicalMemory _memory = new((long)(CoreCount * CoreRam));
    readonly CapabilityDriver[] _drivers = new CapabilityDriver[CoreCount];
    readonly CSpace[] _spaces = new CSpace[CoreCount];
    readonly MonitorReplica[] _replicas = new MonitorReplica[CoreCount];
    readonly CapabilityAgreement[] _ops = new CapabilityAgreement[CoreCount];
    readonly AgreementSimulation _sim;

    public CapabilityRemoteDerivationTests()
    {
        _sim = new AgreementSimulation(MachineTopology.FromDescription(CoreCount, 1, 1, 1), seed: 1);
        for (int c = 0; c < CoreCount; c++)
        {
            _drivers[c] = new CapabilityDriver(c, _memory);
            _spaces[c] = _drivers[c].CreateBootCSpace((ulong)c * CoreRam, CoreRam);
            _replicas[c] = new MonitorReplica(c, _drivers[c]);
        }
        _sim.Build(c => _replicas[c], RoutingGrouping.Package, new AgreementOptions { VoteTimeout = 200, RetransmitInterval = 50 });
        for (int c = 0; c < CoreCount; c++)
            _ops[c] = new CapabilityAgreement(_sim.Nodes[c], _drivers[c], _replicas[c], CoreSet.FirstN(CoreCount));
    }

    public void Dispose() => _memory.Dispose();

    sealed class Recorder : ICapOperationCompletion
    {
        public CapOperationResult? Result;
        public void Completed(in CapOperationResult r) => Result = r;
    }

    /// <summary>Starts an operation through the monitors, runs the network until quiet, and returns its result.</summary>
    CapOperationResult Through(Func<ICapOperationCompletion, long, CapError> start)
    {
        var rec = new Recorder();
        var e = start(rec, _sim.Now);
        if (e != CapError.Ok) return new CapOperationResult(e, false, default, default);
        _sim.RunToQuiet();
        return rec.Result ?? throw new InvalidOperationException("a capability operation never completed");
    }

    void Transfer(int from, int slot, int to, int dest)
    {
        var sent = Through((done, now) => _ops[from].Transfer(_spaces[from], Cptr.Root(slot), to, CapRights.All, done, now));
        Assert.Equal(CapError.Ok, sent.Error);
        Assert.Equal(CapError.Ok, _drivers[to].Import(_spaces[to], Cptr.Root(dest), sent.Sent));
    }

    void Delete(int core, int slot) =>
        Assert.Equal(CapError.Ok, Through((done, now) => _ops[core].Delete(_spaces[core], Cptr.Root(slot), done, now)).Error);

    void AssertValid()
    {
        for (int c = 0; c < CoreCount; c++) Assert.Null(_drivers[c].Validate());
    }

    /// <summary>
    /// Core 0 retypes a RAM object R (slot 1) and a frame F inside it (slot 2), sends F to core 1 and deletes its own
    /// copy; core 1 sends F back (core 0 installs it in slot 3) and deletes its copy. Core 0 then holds R and, in slot
    /// 3, F again: a descendant of R, which no other core holds any more.
    /// </summary>
    (CapObjectKey Ram, CapObjectKey Frame) FrameReturnsToTheCoreOfItsRam()
    {
        var d0 = _drivers[0];
        CapabilityTestCore.Ok(d0.Retype(_spaces[0], CSpace.BootRam, CapType.Ram, 16 * Page, 16 * Page, 1, Cptr.Root(1)));
        CapabilityTestCore.Ok(d0.Retype(_spaces[0], Cptr.Root(1), CapType.Frame, 4 * Page, Page, 1, Cptr.Root(2)));
        var ram = _spaces[0][Cptr.Root(1)].Key;
        var frame = _spaces[0][Cptr.Root(2)].Key;
        Transfer(0, 2, 1, 1);
        Delete(0, 2);
        Transfer(1, 1, 0, 3);
        Delete(1, 1);
        Assert.Equal(frame, _spaces[0][Cptr.Root(3)].Key);
        Assert.Equal(RemoteRelations.None, _replicas[0].RelationsOf(ram, 0)); // nothing of R lives elsewhere: local operations
        return (ram, frame);
    }

    [Fact]
    public void ALocalRevokeDeletesADescendantThatCameBackFromAnotherCore()
    {
        var (ram, frame) = FrameReturnsToTheCoreOfItsRam();
        var revoked = Through((done, now) => _ops[0].Revoke(_spaces[0], Cptr.Root(1), done, now));
        Assert.Equal(CapError.Ok, revoked.Error);
        Assert.False(revoked.Distributed);
        Assert.Equal(ram, _spaces[0][Cptr.Root(1)].Key);
        Assert.True(_spaces[0][Cptr.Root(3)].IsNull, $"after revoking {ram}, core 0 still holds its descendant {frame}");
        AssertValid();
    }

    [Fact]
    public void ACapabilityThatArrivesAboveLocalDescendantsIsRevokedWithThemLocally()
    {
        // Core 0 sends a RAM object R to core 1, which retypes a frame F from it and then deletes its copy of R (F
        // stays); R arrives on core 1 again and core 0 deletes its copy: R and F now live on core 1 alone.
        var d0 = _drivers[0];
        CapabilityTestCore.Ok(d0.Retype(_spaces[0], CSpace.BootRam, CapType.Ram, 16 * Page, 16 * Page, 1, Cptr.Root(1)));
        var ram = _spaces[0][Cptr.Root(1)].Key;
        Transfer(0, 1, 1, 1);
        Assert.Equal(CapError.Ok, Through((done, now) => _ops[1].Retype(_spaces[1], Cptr.Root(1), CapType.Frame, 4 * Page, Page, 1, Cptr.Root(2), done, now)).Error);
        var frame = _spaces[1][Cptr.Root(2)].Key;
        Delete(1, 1);
        Transfer(0, 1, 1, 3);
        Delete(0, 1);
        Assert.Equal(RemoteRelations.None, _replicas[1].RelationsOf(ram, 1));
        var revoked = Through((done, now) => _ops[1].Revoke(_spaces[1], Cptr.Root(3), done, now));
        Assert.Equal(CapError.Ok, revoked.Error);
        Assert.False(revoked.Distributed);
        Assert.True(_spaces[1][Cptr.Root(2)].IsNull, $"after revoking {ram}, core 1 still holds its descendant {frame}");
        AssertValid();
    }

    /// <summary>
    /// Core 0 retypes a frame F from a RAM object R and then gives R to core 1 (one 2PC: core 1 becomes a holder and
    /// core 0 none; F stays on core 0). The gift records that core 0 keeps descendants, so core 1's revoke of R is an
    /// agreement that deletes F on core 0.
    /// </summary>
    [Fact]
    public void ARevokeOfAGiftReachesTheDescendantsItsGiverKept()
    {
        var d0 = _drivers[0];
        CapabilityTestCore.Ok(d0.Retype(_spaces[0], CSpace.BootRam, CapType.Ram, 16 * Page, 16 * Page, 1, Cptr.Root(1)));
        CapabilityTestCore.Ok(d0.Retype(_spaces[0], Cptr.Root(1), CapType.Frame, 4 * Page, Page, 1, Cptr.Root(2)));
        var ram = _spaces[0][Cptr.Root(1)].Key;
        var frame = _spaces[0][Cptr.Root(2)].Key;
        var given = Through((done, now) => _ops[0].Give(_spaces[0], Cptr.Root(1), 1, CapRights.All, done, now));
        Assert.Equal(CapError.Ok, given.Error);
        Assert.Equal(CapError.Ok, _drivers[1].Import(_spaces[1], Cptr.Root(1), given.Sent));
        Assert.True(_spaces[0][Cptr.Root(1)].IsNull);
        Assert.Equal(frame, _spaces[0][Cptr.Root(2)].Key);
        Assert.Equal(RemoteRelations.Descendants, _replicas[1].RelationsOf(ram, 1) & RemoteRelations.Descendants);
        var revoked = Through((done, now) => _ops[1].Revoke(_spaces[1], Cptr.Root(1), done, now));
        Assert.Equal(CapError.Ok, revoked.Error);
        Assert.True(revoked.Distributed);
        Assert.True(_spaces[0][Cptr.Root(2)].IsNull, $"after core 1 revoked {ram}, core 0 still holds its descendant {frame}");
        AssertValid();
    }

    /// <summary>A dispatcher in core 1's slot 1 and an endpoint E retyped from it in slot 2.</summary>
    void EndpointOnCore1()
    {
        var d1 = _drivers[1];
        CapabilityTestCore.Ok(d1.Retype(_spaces[1], CSpace.BootRam, CapType.Dispatcher, 16 * Page, 0, 1, Cptr.Root(1)));
        CapabilityTestCore.Ok(d1.SetupDispatcher(_spaces[1], Cptr.Root(1), new object()));
        CapabilityTestCore.Ok(d1.Retype(_spaces[1], Cptr.Root(1), CapType.Endpoint, 0, 0, 1, Cptr.Root(2)));
    }

    [Fact]
    public void ARevokeReachesABadgedEndpointMintedByACoreThatNoLongerHoldsTheEndpoint()
    {
        // Core 1's endpoint E goes to core 0, which mints a badged endpoint from it and then deletes its copy of E
        // (the badged one stays, a descendant of E on core 0).
        EndpointOnCore1();
        var endpoint = _spaces[1][Cptr.Root(2)].Key;
        Transfer(1, 2, 0, 1);
        CapabilityTestCore.Ok(_drivers[0].Mint(_spaces[0], Cptr.Root(1), Cptr.Root(2), CapRights.Write, badge: 7));
        var badged = _spaces[0][Cptr.Root(2)].Key;
        Delete(0, 1);
        Assert.Equal(badged, _spaces[0][Cptr.Root(2)].Key);

        // Core 1 revokes E: every descendant of E, on every core, goes.
        Assert.Equal(CapError.Ok, Through((done, now) => _ops[1].Revoke(_spaces[1], Cptr.Root(2), done, now)).Error);
        Assert.True(_spaces[0][Cptr.Root(2)].IsNull, $"after revoking {endpoint} on core 1, core 0 still holds its descendant {badged}");
        Assert.Equal(endpoint, _spaces[1][Cptr.Root(2)].Key);
        AssertValid();
    }

    [Fact]
    public void NoBadgedEndpointIsMintedWhileTheCoreDropsItsLastCopyOfTheEndpoint()
    {
        EndpointOnCore1();
        Transfer(1, 2, 0, 1);
        // Core 0 starts dropping its copy of E (the agreement is under way), then mints from it.
        var dropped = new Recorder();
        Assert.Equal(CapError.Ok, _ops[0].Delete(_spaces[0], Cptr.Root(1), dropped, _sim.Now));
        var minted = _drivers[0].Mint(_spaces[0], Cptr.Root(1), Cptr.Root(2), CapRights.Write, badge: 7);
        _sim.RunToQuiet();
        Assert.Equal(CapError.Ok, dropped.Result?.Error);
        Assert.Equal(CapError.Ok, Through((done, now) => _ops[1].Revoke(_spaces[1], Cptr.Root(2), done, now)).Error);
        Assert.True(_spaces[0][Cptr.Root(2)].IsNull, $"mint during the drop returned {minted}, and its badged endpoint outlived the revoke of the endpoint");
        Assert.Equal(CapError.Locked, minted);
        AssertValid();
    }

    /// <summary>
    /// While core 1's delete of its last copy of R is being agreed, neither a copy made on core 1 nor a copy of R
    /// arriving there (core 0 sends R again, already knowing core 1 as a holder) may be installed: the delete's commit
    /// deletes every copy of R on core 1, so such a copy would be reported made and then vanish, an outcome of no
    /// order of the two operations (either order leaves it).
    /// </summary>
    [Fact]
    public void NoCopyIsMadeOrInstalledWhileTheCoreDropsItsLastCopy()
    {
        CapabilityTestCore.Ok(_drivers[0].Retype(_spaces[0], CSpace.BootRam, CapType.Ram, 16 * Page, 16 * Page, 1, Cptr.Root(1)));
        Transfer(0, 1, 1, 1);
        var dropped = new Recorder();
        Assert.Equal(CapError.Ok, _ops[1].Delete(_spaces[1], Cptr.Root(1), dropped, _sim.Now));
        var copied = _drivers[1].Copy(_spaces[1], Cptr.Root(1), Cptr.Root(2));
        var minted = _drivers[1].Mint(_spaces[1], Cptr.Root(1), Cptr.Root(3), CapRights.Read);
        var sent = new Recorder();
        Assert.Equal(CapError.Ok, _ops[0].Transfer(_spaces[0], Cptr.Root(1), 1, CapRights.All, sent, _sim.Now));
        Assert.Equal(CapError.Ok, sent.Result?.Error);
        var imported = _drivers[1].Import(_spaces[1], Cptr.Root(4), sent.Result!.Value.Sent);
        _sim.RunToQuiet();
        Assert.Equal(CapError.Ok, dropped.Result?.Error);
        Assert.Equal((CapError.Locked, CapError.Locked, CapError.Locked), (copied, minted, imported));
        for (int slot = 1; slot <= 4; slot++) Assert.True(_spaces[1][Cptr.Root(slot)].IsNull);
        Assert.False(_replicas[0].IsHolder(_spaces[0][Cptr.Root(1)].Key, 1));
        AssertValid();
    }

    /// <summary>
    /// While core 0's revoke of a frame F it shared with core 1 is being agreed (F's range locked), core 0 still
    /// retypes a range of its RAM that F does not overlap; a retype over F's range waits for the agreement (Locked).
    /// </summary>
    [Fact]
    public void ALocalRetypeBesideARangeLockedByAnAgreementIsNotRefused()
    {
        CapabilityTestCore.Ok(_drivers[0].Retype(_spaces[0], CSpace.BootRam, CapType.Frame, 16 * Page, Page, 1, Cptr.Root(1)));
        Transfer(0, 1, 1, 1);
        var revoked = new Recorder();
        Assert.Equal(CapError.Ok, _ops[0].Revoke(_spaces[0], Cptr.Root(1), revoked, _sim.Now));
        var over = _drivers[0].Retype(_spaces[0], CSpace.BootRam, CapType.Frame, 16 * Page, Page, 1, Cptr.Root(2));
        var beside = _drivers[0].Retype(_spaces[0], CSpace.BootRam, CapType.Frame, 32 * Page, Page, 1, Cptr.Root(3));
        _sim.RunToQuiet();
        Assert.Equal(CapError.Ok, revoked.Result?.Error);
        Assert.Equal((CapError.Locked, CapError.Ok), (over, beside));
        Assert.True(_spaces[1][Cptr.Root(1)].IsNull);
        AssertValid();
    }

    [Fact]
    public void ALocalRetypeRefusesTheRangeOfADescendantThatCameBackFromAnotherCore()
    {
        var (_, frame) = FrameReturnsToTheCoreOfItsRam();
        // A page table over the frame's page would alias a mappable frame: the retype must be refused.
        Assert.Equal(CapError.RevokeFirst, _drivers[0].Retype(_spaces[0], Cptr.Root(1), CapType.VNodePtable, 4 * Page, 0, 1, Cptr.Root(4)));
        Assert.True(_spaces[0][Cptr.Root(4)].IsNull, $"a page table was retyped over the live frame {frame}");
        AssertValid();
    }

    /// <summary>
    /// Core 1's endpoint E goes to core 0 and core 1 deletes its own copy: a second Endpoint retyped from the
    /// dispatcher is a retype of an object with a remote descendant, agreed by every core, and core 0, which holds E,
    /// refuses it as the local retype refuses it while E is on core 1 (an Endpoint spans its dispatcher's page).
    /// </summary>
    [Fact]
    public void AnAgreedEndpointRetypeIsRefusedWhereTheDispatchersEndpointLivesOnAnotherCore()
    {
        EndpointOnCore1();
        Assert.Equal(CapError.RevokeFirst, _drivers[1].Retype(_spaces[1], Cptr.Root(1), CapType.Endpoint, 0, 0, 1, Cptr.Root(3)));
        Transfer(1, 2, 0, 1);
        Delete(1, 2);
        var again = Through((done, now) => _ops[1].Retype(_spaces[1], Cptr.Root(1), CapType.Endpoint, 0, 0, 1, Cptr.Root(3), done, now));
        Assert.True(again.Distributed, $"the retype was not agreed ({again.Error})");
        Assert.Equal(CapError.RevokeFirst, again.Error);
        Assert.True(_spaces[1][Cptr.Root(3)].IsNull, "a second Endpoint was retyped from the dispatcher while its first lives on core 0");
        AssertValid();
    }
}
