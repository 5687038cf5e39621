
namespace Multikernel.Tests;

/// <summary>
/// Model-based tests of the capability system across several simulated cores: random sequences of retype / copy /
/// mint / delete / revoke / transfer / map / unmap run both on the real drivers (with the monitors' agreement over a
/// simulated network that delays, reorders and sometimes drops messages) and on a simple reference model (a flat list
/// of capabilities with an explicit record of which object was retyped from which). After every step: the error code
/// and every slot agree with the model; rights never grow (every capability has the model's rights, and the model
/// only ever gives a subset of the source's); no two live objects overlap unless one was derived from the other
/// (by the model's explicit history); after a revoke no copy or descendant exists on any core; RAM is conserved (every
/// object inside the boot RAM, the outermost objects disjoint); every replica of the replicated tables is equal; the
/// ownership table lists every core that holds a shared object; the page tables hold exactly the model's mappings.
/// </summary>
public class CapabilityModelTests(ITestOutputHelper output)
{
    const int CoreCount = 3;
    const ulong CoreRam = 1 << 20;
    const ulong Page = CapTypeRules.PageSize;
    const int UsedSlots = 20;
    const int Entries = CapTypeRules.VNodeEntries;

    enum Kind { Retype, Copy, Mint, Delete, Revoke, Transfer, Map, Unmap }

    public readonly record struct Op(int Kind, int Core, int A, int B, int C, int D, int E);

    public sealed record Scenario(int Seed, bool Drops, RoutingProtocol Protocol, Op[] Ops)
    {
        public override string ToString() => $"seed {Seed}, drops {Drops}, {Protocol}, {Ops.Length} ops: " + string.Join(" ", Ops.Select(o => $"{(Kind)o.Kind}@{o.Core}({o.A},{o.B},{o.C},{o.D},{o.E})"));
    }

    static readonly Kind[] KindTable =
    [
        Kind.Retype, Kind.Retype, Kind.Retype, Kind.Retype, Kind.Retype, Kind.Copy, Kind.Copy, Kind.Mint, Kind.Mint, Kind.Delete, Kind.Delete,
        Kind.Revoke, Kind.Revoke, Kind.Transfer, Kind.Transfer, Kind.Transfer, Kind.Map, Kind.Map, Kind.Map, Kind.Map, Kind.Map, Kind.Unmap, Kind.Unmap,
    ];

    static Gen<Op> OpGen =>
        from k in Gen.Choose(0, KindTable.Length - 1)
        from core in Gen.Choose(0, CoreCount - 1)
        from a in Gen.Choose(0, 999)
        from b in Gen.Choose(0, 999)
        from c in Gen.Choose(0, 999)
        from d in Gen.Choose(0, 999)
        from e in Gen.Choose(0, 999)
        select new Op((int)KindTable[k], core, a, b, c, d, e);

    static Gen<Scenario> ScenarioGen =>
        from seed in Gen.Choose(1, int.MaxValue - 1)
        from drops in Gen.Elements(false, false, true)
        from protocol in Gen.Elements(Enum.GetValues<RoutingProtocol>())
        from ops in Gen.ListOf(OpGen)
        select new Scenario(seed, drops, protocol, ops.Take(60).ToArray());

    // ------------------------------------------------------------------ the reference model

    sealed class MCap
    {
        public int Core, Slot; // slot -1: the CSpace's root CNode capability
        public CapObjectKey Key;
        public CapRights Rights;
        public CapObjectKey? MappedIn;
        public int Entry, Pages;
        public CapRights MappedRights;
        public override string ToString() => $"core {Core} slot {Slot}: {Key} [{Rights}]";
    }

    sealed class Model
    {
        public readonly List<MCap> Caps = new();
        public readonly Dictionary<CapObjectKey, CapObjectKey> Parent = new();
        public readonly Dictionary<CapObjectKey, MCap?[]> Tables = new();
        public readonly bool[] Dead = new bool[CoreCount];

        public MCap? At(int core, int slot) => Caps.FirstOrDefault(c => c.Core == core && c.Slot == slot);

        /// <summary>True when <paramref name="key"/>'s object was derived (by retype, transitively) from <paramref name="ancestor"/>'s.</summary>
        public bool Derives(CapObjectKey key, CapObjectKey ancestor)
        {
            for (var k = key; Parent.TryGetValue(k, out var p); k = p)
                if (p == ancestor) return true;
            return false;
        }

        public void Remove(MCap cap)
        {
            if (!Caps.Remove(cap)) return;
            if (cap.MappedIn is { } t && Tables.TryGetValue(t, out var entries))
                for (int i = cap.Entry; i < cap.Entry + cap.Pages; i++) entries[i] = null;
            cap.MappedIn = null;
            if (Caps.Any(c => c.Key == cap.Key && c.Core == cap.Core)) return;
            if (cap.Key.Type == CapType.VNodePtable && Tables.Remove(cap.Key, out var table))
                foreach (var f in table) if (f != null) f.MappedIn = null;
            if (cap.Key.Type == CapType.CNode) // a root CNode: its CSpace and everything in it is gone
            {
                Dead[cap.Core] = true;
                foreach (var c in Caps.Where(c => c.Core == cap.Core).ToList()) Remove(c);
            }
        }
    }

    // ------------------------------------------------------------------ the system under test

    sealed class Recorder : ICapOperationCompletion
    {
        public CapOperationResult? Result;
        public void Completed(in CapOperationResult r)
        {
            if (Result != null) throw new InvalidOperationException("completed twice");
            Result = r;
        }
    }

    sealed class Harness : IDisposable
    {
        public readonly PhysicalMemory Memory = new((long)(CoreCount * CoreRam));
        public readonly CapabilityDriver[] Drivers = new CapabilityDriver[CoreCount];
        public readonly CSpace[] Spaces = new CSpace[CoreCount];
        public readonly MonitorReplica[] Replicas = new MonitorReplica[CoreCount];
        public readonly CapabilityAgreement[] Ops = new CapabilityAgreement[CoreCount];
        public readonly AgreementSimulation Sim;
        public readonly Model Model = new();
        public readonly bool Drops;
        public int Distributed, Succeeded, Refused;
        public readonly Dictionary<string, int> Codes = new();

        public Harness(Scenario s)
        {
            Drops = s.Drops;
            var faults = new SimulatedFaults { MaxDelay = 8, Drop = s.Drops ? 0.05 : 0 };
            Sim = new AgreementSimulation(MachineTopology.FromDescription(CoreCount, 1, 1, 1), s.Seed, faults);
            for (int c = 0; c < CoreCount; c++)
            {
                Drivers[c] = new CapabilityDriver(c, Memory);
                Spaces[c] = Drivers[c].CreateBootCSpace((ulong)c * CoreRam, CoreRam);
                Replicas[c] = new MonitorReplica(c, Drivers[c]);
                var ram = new CapObjectKey(CapType.Ram, (ulong)c * CoreRam, CoreRam, 0);
                var cnode = new CapObjectKey(CapType.CNode, (ulong)c * CoreRam, CapTypeRules.CNodeGranule, 0);
                Model.Caps.Add(new MCap { Core = c, Slot = 0, Key = ram, Rights = CapRights.All });
                Model.Caps.Add(new MCap { Core = c, Slot = -1, Key = cnode, Rights = CapRights.All });
                Model.Parent[cnode] = ram;
            }
            Sim.Build(c => Replicas[c], RoutingGrouping.Package, new AgreementOptions { VoteTimeout = 200, RetransmitInterval = 50 });
            for (int c = 0; c < CoreCount; c++)
                Ops[c] = new CapabilityAgreement(Sim.Nodes[c], Drivers[c], Replicas[c], CoreSet.FirstN(CoreCount)) { Protocol = s.Protocol };
        }

        public void Dispose() => Memory.Dispose();

        int PickOccupied(int core, int a, CapType? prefer = null)
        {
            var slots = Model.Caps.Where(c => c.Core == core && c.Slot >= 0 && (prefer == null || c.Key.Type == prefer)).Select(c => c.Slot).OrderBy(s => s).ToList();
            if (slots.Count == 0 || a % 10 == 0) return a % UsedSlots;
            return slots[a % slots.Count];
        }

        int PickFree(int core, int b)
        {
            var free = Enumerable.Range(1, UsedSlots - 1).Where(s => Model.At(core, s) == null).ToList();
            if (free.Count == 0 || b % 12 == 0) return 1 + b % (UsedSlots - 1);
            return free[b % free.Count];
        }

        /// <summary>Runs a capability operation through the monitors: starts it, runs the network until quiet, returns its result.</summary>
        CapError Through(Func<Recorder, long, CapError> start, out CapOperationResult result)
        {
            var rec = new Recorder();
            var e = start(rec, Sim.Now);
            result = default;
            if (e != CapError.Ok) return e;
            Sim.RunToQuiet();
            result = rec.Result ?? throw new InvalidOperationException("a capability operation never completed");
            if (result.Distributed) Distributed++;
            return result.Error;
        }

        /// <summary>Applies one operation to both; returns a description of the first disagreement or broken invariant, or null.</summary>
        public string? Step(Op op)
        {
            int c = op.Core;
            bool Has(int core, CapType t) => Model.Caps.Any(x => x.Core == core && x.Slot >= 0 && x.Key.Type == t);
            if ((Kind)op.Kind is Kind.Map or Kind.Unmap && op.E % 4 != 0) // mostly on a core that has a page table (and a frame to map)
                for (int k = 0; k < CoreCount && !(Has(c, CapType.VNodePtable) && ((Kind)op.Kind == Kind.Unmap || Has(c, CapType.Frame))); k++) c = (c + 1) % CoreCount;
            var cs = Spaces[c];
            var d = Drivers[c];
            var m = Model;
            CapError expected, actual;
            Action? apply = null;
            CapObjectKey? revoked = null;
            MCap? revoker = null;
            switch ((Kind)op.Kind)
            {
                case Kind.Retype:
                {
                    int srcSlot = PickOccupied(c, op.A, op.A % 3 == 0 ? null : CapType.Ram);
                    var src = m.At(c, srcSlot);
                    var type = new[] { CapType.Ram, CapType.Frame, CapType.Frame, CapType.VNodePtable, CapType.VNodePtable, CapType.Frame }[op.B % 6];
                    ulong srcPages = src == null ? 16 : src.Key.Size / Page;
                    ulong objPages = type == CapType.VNodePtable ? 1 : 1 + (ulong)op.C % Math.Clamp(srcPages / 4, 1UL, type == CapType.Frame ? 4UL : 64UL);
                    int count = 1 + op.D % 3;
                    ulong offsetPages = op.E % 4 == 0 ? 0 : (ulong)op.E % Math.Max(1, srcPages);
                    int dest = PickFree(c, op.B ^ op.E);
                    ulong first = (src?.Key.Base ?? 0) + offsetPages * Page, bytes = objPages * Page, total = bytes * (ulong)count;
                    expected = m.Dead[c] ? CapError.InvalidAddress
                        : src == null ? CapError.EmptySlot
                        : !CapTypeRules.CanRetype(src.Key.Type, type) ? CapError.InvalidRetype
                        : offsetPages * Page + total > src.Key.Size ? CapError.InvalidOffset
                        : type == src.Key.Type && offsetPages == 0 && count == 1 && bytes == src.Key.Size ? CapError.InvalidRetype
                        : Enumerable.Range(dest, count).Any(s => m.At(c, s) != null) ? CapError.SlotInUse
                        : m.Caps.Any(x => x.Key.Overlaps(first, total) && x.Key != src.Key && !m.Derives(src.Key, x.Key)) ? CapError.RevokeFirst
                        : CapError.Ok;
                    actual = Through((rec, now) => Ops[c].Retype(cs, Cptr.Root(srcSlot), type, offsetPages * Page, type == CapType.VNodePtable ? 0 : bytes, count, Cptr.Root(dest), rec, now), out _);
                    apply = () =>
                    {
                        for (int i = 0; i < count; i++)
                        {
                            var key = new CapObjectKey(type, first + (ulong)i * bytes, bytes, 0);
                            m.Caps.Add(new MCap { Core = c, Slot = dest + i, Key = key, Rights = src!.Rights });
                            m.Parent[key] = src.Key;
                            if (type == CapType.VNodePtable) m.Tables[key] = new MCap?[Entries];
                        }
                    };
                    break;
                }
                case Kind.Copy:
                case Kind.Mint:
                {
                    int srcSlot = PickOccupied(c, op.A);
                    var src = m.At(c, srcSlot);
                    int dest = PickFree(c, op.B);
                    bool mint = (Kind)op.Kind == Kind.Mint;
                    var rights = !mint ? src?.Rights ?? CapRights.All : (CapRights)(op.C % 16) & (op.C % 3 != 0 ? src?.Rights ?? CapRights.All : CapRights.All);
                    expected = m.Dead[c] ? CapError.InvalidAddress
                        : src == null ? CapError.EmptySlot
                        : m.At(c, dest) != null ? CapError.SlotInUse
                        : (rights & ~src.Rights) != 0 ? CapError.RightsNotSubset
                        : CapError.Ok;
                    actual = mint ? d.Mint(cs, Cptr.Root(srcSlot), Cptr.Root(dest), rights) : d.Copy(cs, Cptr.Root(srcSlot), Cptr.Root(dest));
                    apply = () => m.Caps.Add(new MCap { Core = c, Slot = dest, Key = src!.Key, Rights = rights });
                    break;
                }
                case Kind.Delete:
                case Kind.Revoke:
                {
                    int slot = PickOccupied(c, op.A);
                    // Rarely a boot RAM (revoking one destroys the CSpace whose root CNode came from it): else another slot, maybe empty.
                    if (op.B % 64 != 0 && m.At(c, slot) is { } b && b.Key.Size == CoreRam)
                    {
                        var others = m.Caps.Where(x => x.Core == c && x.Slot > 0 && x.Key.Size != CoreRam).Select(x => x.Slot).OrderBy(x => x).ToList();
                        slot = others.Count > 0 ? others[op.A % others.Count] : 1 + op.A % (UsedSlots - 1);
                    }
                    var x = m.At(c, slot);
                    expected = m.Dead[c] ? CapError.InvalidAddress : x == null ? CapError.EmptySlot : CapError.Ok;
                    if ((Kind)op.Kind == Kind.Delete)
                    {
                        actual = Through((rec, now) => Ops[c].Delete(cs, Cptr.Root(slot), rec, now), out _);
                        apply = () => m.Remove(x!);
                    }
                    else
                    {
                        actual = Through((rec, now) => Ops[c].Revoke(cs, Cptr.Root(slot), rec, now), out _);
                        revoked = x?.Key;
                        revoker = x;
                        apply = () =>
                        {
                            foreach (var v in m.Caps.Where(v => v != x && (v.Key == x!.Key || m.Derives(v.Key, x.Key))).ToList()) m.Remove(v);
                        };
                    }
                    break;
                }
                case Kind.Transfer:
                {
                    int slot = PickOccupied(c, op.A);
                    var x = m.At(c, slot);
                    int to = (c + 1 + op.B % (CoreCount - 1)) % CoreCount;
                    int dest = PickFree(to, op.C);
                    var rights = (CapRights)(op.D % 16) & (op.D % 4 != 0 ? x?.Rights ?? CapRights.All : CapRights.All);
                    expected = m.Dead[c] ? CapError.InvalidAddress
                        : x == null ? CapError.EmptySlot
                        : !CapTypeRules.IsTransferable(x.Key.Type) ? CapError.NotTransferable
                        : (x.Rights & CapRights.Grant) == 0 ? CapError.MissingRights
                        : (rights & ~x.Rights) != 0 ? CapError.RightsNotSubset
                        : m.Dead[to] ? CapError.InvalidAddress
                        : m.At(to, dest) != null ? CapError.SlotInUse
                        : CapError.Ok;
                    actual = Through((rec, now) => Ops[c].Transfer(cs, Cptr.Root(slot), to, rights, rec, now), out var r);
                    if (actual == CapError.Ok) actual = Drivers[to].Import(Spaces[to], Cptr.Root(dest), r.Sent);
                    apply = () => m.Caps.Add(new MCap { Core = to, Slot = dest, Key = x!.Key, Rights = rights });
                    break;
                }
                case Kind.Map:
                {
                    int ptSlot = PickOccupied(c, op.A, op.A % 5 == 0 ? null : CapType.VNodePtable);
                    int frameSlot = PickOccupied(c, op.B, op.B % 5 == 0 ? null : CapType.Frame);
                    var pt = m.At(c, ptSlot);
                    var f = m.At(c, frameSlot);
                    int entry = op.C % 6 == 0 ? Entries - 1 - op.C % 3 : op.C % Entries;
                    var rights = new[] { CapRights.Read, CapRights.ReadWrite, CapRights.Write, CapRights.Read | CapRights.Grant, CapRights.ReadWrite }[op.D % 5];
                    int pages = f == null ? 1 : (int)(f.Key.Size / Page);
                    var table = pt != null && m.Tables.TryGetValue(pt.Key, out var t) ? t : null;
                    expected = m.Dead[c] ? CapError.InvalidAddress
                        : pt == null ? CapError.EmptySlot
                        : !CapTypeRules.IsVNode(pt.Key.Type) ? CapError.WrongType
                        : (pt.Rights & CapRights.Write) == 0 ? CapError.MissingRights
                        : f == null ? CapError.EmptySlot
                        : f.Key.Type != CapType.Frame ? CapError.WrongType
                        : (rights & CapRights.Read) == 0 || (rights & ~f.Rights) != 0 ? CapError.MissingRights
                        : pages > Entries || entry + pages > Entries ? CapError.InvalidMapSlot
                        : f.MappedIn != null ? CapError.AlreadyMapped
                        : Enumerable.Range(entry, pages).Any(i => table![i] != null) ? CapError.VNodeSlotInUse
                        : CapError.Ok;
                    actual = d.Map(cs, Cptr.Root(ptSlot), entry, Cptr.Root(frameSlot), rights);
                    apply = () =>
                    {
                        f!.MappedIn = pt!.Key; f.Entry = entry; f.Pages = pages; f.MappedRights = rights;
                        for (int i = entry; i < entry + pages; i++) table![i] = f;
                    };
                    break;
                }
                default:
                {
                    int ptSlot = PickOccupied(c, op.A, op.A % 5 == 0 ? null : CapType.VNodePtable);
                    var pt = m.At(c, ptSlot);
                    var table = pt != null && m.Tables.TryGetValue(pt.Key, out var t) ? t : null;
                    if (op.E % 4 != 0 && !Model.Caps.Any(x => x.Core == c && x.MappedIn == pt?.Key && x.MappedIn != null)) // mostly a table that maps something
                        if (Model.Caps.FirstOrDefault(x => x.Core == c && x.MappedIn != null) is { } mf && Model.Caps.FirstOrDefault(x => x.Core == c && x.Slot >= 0 && x.Key == mf.MappedIn) is { } mpt)
                        {
                            ptSlot = mpt.Slot;
                            pt = mpt;
                            table = m.Tables[pt.Key];
                        }
                    var starts = table == null ? [] : Enumerable.Range(0, Entries).Where(i => table[i] is { } f && f.Entry == i).ToList();
                    int entry = starts.Count > 0 && op.C % 4 != 0 ? starts[op.C % starts.Count] : op.C % Entries;
                    expected = m.Dead[c] ? CapError.InvalidAddress
                        : pt == null ? CapError.EmptySlot
                        : !CapTypeRules.IsVNode(pt.Key.Type) ? CapError.WrongType
                        : (pt.Rights & CapRights.Write) == 0 ? CapError.MissingRights
                        : table![entry] is not { } mapped || mapped.Entry != entry ? CapError.VNodeSlotEmpty
                        : CapError.Ok;
                    actual = d.Unmap(cs, Cptr.Root(ptSlot), entry);
                    apply = () =>
                    {
                        var f = table![entry]!;
                        for (int i = entry; i < entry + f.Pages; i++) table[i] = null;
                        f.MappedIn = null;
                    };
                    break;
                }
            }
            bool mayTimeOut = (Kind)op.Kind switch
            {
                Kind.Retype => expected is CapError.Ok or CapError.RevokeFirst,
                Kind.Delete or Kind.Revoke => expected == CapError.Ok,
                Kind.Transfer => expected is CapError.Ok || (expected is CapError.InvalidAddress or CapError.SlotInUse && !m.Dead[c]),
                _ => false,
            };
            if (actual == CapError.Locked && Drops && mayTimeOut)
            {
                Refused++;
                return Check(null, null); // an agreement that timed out under message loss: nothing may have changed
            }
            if (actual != expected)
                return $"{(Kind)op.Kind} on core {c}: expected {expected}, got {actual}; model: {string.Join(" | ", m.Caps)}; real: {string.Join(" | ", Enumerable.Range(0, CoreCount).Select(x => x + ": " + string.Join(", ", Drivers[x].Snapshot())))}";
            Codes[$"{(Kind)op.Kind}:{expected}"] = Codes.GetValueOrDefault($"{(Kind)op.Kind}:{expected}") + 1;
            if (expected == CapError.Ok) { Succeeded++; apply!(); } else Refused++;
            return Check(revoked, revoker);
        }

        /// <summary>The invariants, on the real drivers against the model.</summary>
        string? Check(CapObjectKey? revoked, MCap? revoker)
        {
            var m = Model;
            var live = new List<(int Core, CapRecord Cap)>();
            for (int c = 0; c < CoreCount; c++)
            {
                if (Drivers[c].Validate() is { } broken) return $"core {c}'s mapping database: {broken}";
                var snap = Drivers[c].Snapshot();
                live.AddRange(snap.Select(r => (c, r)));
                if (snap.Count != m.Caps.Count(x => x.Core == c)) return $"core {c} has {snap.Count} capabilities, the model {m.Caps.Count(x => x.Core == c)}";
                if (m.Dead[c]) { if (Spaces[c].RootSlots != 0) return $"core {c}'s CSpace should be gone"; continue; }
                for (int s = 0; s < UsedSlots; s++)
                {
                    var real = Spaces[c][Cptr.Root(s)];
                    var model = m.At(c, s);
                    if (model == null ? !real.IsNull : real.Key != model.Key || real.Rights != model.Rights)
                        return $"core {c} slot {s}: real {real}, model {model?.ToString() ?? "empty"}";
                }
            }
            // No two live objects overlap unless one was derived from the other.
            var keys = live.Select(l => l.Cap.Key).Distinct().ToList();
            for (int i = 0; i < keys.Count; i++)
                for (int j = i + 1; j < keys.Count; j++)
                    if (keys[i].Overlaps(keys[j]) && !m.Derives(keys[i], keys[j]) && !m.Derives(keys[j], keys[i]))
                        return $"{keys[i]} and {keys[j]} overlap but neither derives from the other";
            // After a revoke: no other copy and no descendant on any core.
            if (revoked is { } rk)
                foreach (var (core, cap) in live)
                    if ((cap.Key == rk && !(core == revoker!.Core && m.At(core, revoker.Slot) == revoker)) || m.Derives(cap.Key, rk))
                        if (!(cap.Key == rk && live.Count(l => l.Cap.Key == rk) == 1 && core == revoker!.Core))
                            return $"after revoking {rk}: core {core} still has {cap.Key}";
            // RAM is conserved: every object inside the boot RAM, the outermost objects disjoint and within its total.
            ulong outermost = 0;
            foreach (var k in keys)
            {
                if (k.End > CoreCount * CoreRam || k.Base / CoreRam != (k.End - 1) / CoreRam) return $"{k} lies outside one core's boot RAM";
                if (!keys.Any(o => o != k && m.Derives(k, o))) outermost += k.Size;
            }
            if (outermost > CoreCount * CoreRam) return $"outermost objects cover {outermost} bytes, more than the {CoreCount * CoreRam} bytes of RAM";
            // Replicas equal, nothing locked or pending.
            string table0 = Replicas[0].Describe();
            for (int c = 0; c < CoreCount; c++)
            {
                if (Replicas[c].Describe() != table0) return $"replica {c} differs: {Replicas[c].Describe()} vs {table0}";
                if (Replicas[c].LocksHeld != 0 || Sim.Nodes[c].Participant.PreparedCount != 0 || Sim.Nodes[c].Coordinator.Active != 0)
                    return $"core {c} still holds locks or agreements";
            }
            // Remote copies are tracked: every object held on several cores has a row listing all of them.
            foreach (var g in live.Where(l => l.Cap.Key.Type != CapType.CNode).GroupBy(l => l.Cap.Key))
            {
                var cores = g.Select(l => l.Core).Distinct().ToList();
                if (cores.Count < 2) continue;
                if (!Replicas[0].Capabilities.TryGet(g.Key, out var row) || cores.Any(x => !row.Holders.Contains(x)))
                    return $"{g.Key} is held on cores {string.Join(',', cores)} but the ownership table does not list them all";
            }
            // A shared object's owner is one of its holders while it has any (an owner that gives away or drops its
            // last copy hands ownership to a remaining holder).
            foreach (var (k, row) in Replicas[0].Capabilities.Rows)
                if (!row.Holders.IsEmpty && !row.Holders.Contains(row.Owner))
                    return $"{k}'s owner is core {row.Owner}, not one of its holders {row.Holders}";
            // The page tables hold exactly the model's mappings.
            foreach (var (key, entries) in m.Tables)
            {
                var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(Memory.Frame(key.Base));
                for (int i = 0; i < Entries; i++)
                {
                    ulong want = entries[i] is { } f
                        ? PageTableEntry.Leaf(f.Key.Base + (ulong)(i - f.Entry) * Page, (f.MappedRights & CapRights.Write) != 0 ? PageRights.ReadWrite : PageRights.ReadOnly)
                        : 0;
                    if (words[i] != want) return $"table {key} entry {i}: 0x{words[i]:x}, model 0x{want:x}";
                }
            }
            return null;
        }
    }

    static string? Run(Scenario s, out Harness harness)
    {
        harness = new Harness(s);
        for (int i = 0; i < s.Ops.Length; i++)
            if (harness.Step(s.Ops[i]) is { } error) return $"step {i}: {error}";
        return null;
    }

    [FsCheck.Xunit.Property(MaxTest = 100)]
    public Property RandomSequencesAcrossCoresAgreeWithTheModel() => Prop.ForAll(ScenarioGen.ToArbitrary(), s =>
    {
        var error = Run(s, out var h);
        h.Dispose();
        return (error == null).Label(error == null ? "" : $"{error}\n{s}");
    });

    [Fact]
    public void ManyLongSequencesAgreeWithTheModelAndExerciseEveryPath()
    {
        int succeeded = 0, refused = 0, distributed = 0, steps = 0;
        var codes = new Dictionary<string, int>();
        for (int seed = 1; seed <= 150; seed++)
        {
            var rng = new Random(seed);
            var ops = Enumerable.Range(0, 80).Select(_ =>
                new Op((int)KindTable[rng.Next(KindTable.Length)], rng.Next(CoreCount), rng.Next(1000), rng.Next(1000), rng.Next(1000), rng.Next(1000), rng.Next(1000))).ToArray();
            var s = new Scenario(seed, seed % 3 == 0, Enum.GetValues<RoutingProtocol>()[seed % 4], ops);
            var error = Run(s, out var h);
            succeeded += h.Succeeded; refused += h.Refused; distributed += h.Distributed; steps += ops.Length;
            foreach (var (k, v) in h.Codes) codes[k] = codes.GetValueOrDefault(k) + v;
            h.Dispose();
            Assert.True(error == null, $"{error}\n{s}");
        }
        output.WriteLine($"{steps} steps: {succeeded} succeeded, {refused} refused with the model's error, {distributed} ran as an agreement");
        output.WriteLine(string.Join(", ", codes.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value}")));
        Assert.True(succeeded > steps / 3, $"only {succeeded} of {steps} steps succeeded");
        Assert.True(distributed > 200, $"only {distributed} steps needed the monitors");
        foreach (var kind in Enum.GetNames<Kind>())
            Assert.True(codes.GetValueOrDefault($"{kind}:Ok") > 50, $"only {codes.GetValueOrDefault($"{kind}:Ok")} successful {kind} steps");
    }
}
