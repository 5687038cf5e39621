using System.Runtime.InteropServices;

namespace Multikernel.Tests;

/// <summary>
/// Model-based tests of one core's capability driver (the local invocations, no monitors): random sequences of
/// retype (RAM into RAM, frames, CNodes, last-level tables, dispatchers; a dispatcher into its endpoint), copy, mint
/// (fewer rights, badges), delete, revoke, SetupDispatcher, map, unmap, identify and handles, over a 256 KiB boot RAM
/// addressed through the root CNode and the L2 CNodes retyped into it, run both on the driver and on a reference
/// model written from the rules in <c>Kernel/Capabilities/README.md</c>: objects with an explicit parent (the object
/// they were retyped or badged from), capabilities in the slots of CNode objects, an object alive while a
/// capability names it. After every step: the same error code; every root slot and every slot of an L2 CNode in a
/// root slot holds what the model holds; the mapping database is valid and lists exactly the model's capabilities,
/// each at the depth of its object's live ancestors; no two live memory objects overlap unless one derives from the
/// other; every live page table's words are the model's mappings; a handle is live exactly while its capability is.
/// </summary>
public class CapabilityLocalModelTests(ITestOutputHelper output)
{
    const ulong Page = CapTypeRules.PageSize;
    const ulong BootRam = 256 * 1024;
    const ulong Granule = CapTypeRules.CNodeGranule;
    const int UsedRoot = 12; // root slots the operations name as destinations (a retype of several objects may fill two more)
    const int SeenRoot = UsedRoot + 6; // root slots the operations name as sources (the start state fills UsedRoot..UsedRoot+5)
    const int UsedL2 = 4;    // slots of each L2 CNode the operations name
    const int Entries = CapTypeRules.VNodeEntries;

    enum Kind { Retype, Copy, Mint, Delete, Revoke, Setup, Map, Unmap, Identify, Handle, Space }

    static readonly Kind[] KindTable =
    [
        Kind.Retype, Kind.Retype, Kind.Retype, Kind.Retype, Kind.Retype, Kind.Retype, Kind.Retype, Kind.Retype, Kind.Copy, Kind.Copy, Kind.Copy,
        Kind.Mint, Kind.Mint, Kind.Mint, Kind.Delete, Kind.Delete, Kind.Revoke, Kind.Revoke, Kind.Setup, Kind.Setup,
        Kind.Map, Kind.Map, Kind.Map, Kind.Unmap, Kind.Unmap, Kind.Identify, Kind.Handle, Kind.Space,
    ];

    public readonly record struct Op(int Kind, int A, int B, int C, int D, int E)
    {
        public override string ToString() => $"{(Kind)Kind}({A},{B},{C},{D},{E})";
    }

    static Gen<Op> OpGen =>
        from k in Gen.Choose(0, KindTable.Length - 1)
        from a in Gen.Choose(0, 999)
        from b in Gen.Choose(0, 999)
        from c in Gen.Choose(0, 999)
        from d in Gen.Choose(0, 999)
        from e in Gen.Choose(0, 999)
        select new Op((int)KindTable[k], a, b, c, d, e);

    static Gen<Op[]> OpsGen => Gen.ListOf(OpGen).Select(l => l.Take(80).ToArray());

    /// <summary>Shrinks a failing sequence by dropping runs of operations (halves first, then single ones).</summary>
    static IEnumerable<Op[]> Shrink(Op[] ops)
    {
        for (int chunk = ops.Length / 2; chunk >= 1; chunk /= 2)
            for (int start = 0; start + chunk <= ops.Length; start += chunk)
                yield return [.. ops.AsSpan(0, start), .. ops.AsSpan(start + chunk)];
    }

    // ------------------------------------------------------------------ the reference model

    sealed class MObj
    {
        public required CapObjectKey Key;
        public MObj? Parent;       // the object it was retyped or badged from (alive or not)
        public MCap?[]? Slots;     // a CNode's slots
        public MCap?[]? Table;     // a last-level table's entries
        public bool Setup;         // a Dispatcher that SetupDispatcher has attached
        public bool Alive = true;  // some capability names it
        public override string ToString() => Key.ToString();
    }

    sealed class MCap
    {
        public required MObj Obj;
        public CapRights Rights;
        public MObj? Container; // null: the CSpace's root holder
        public int Index;
        public MObj? MappedIn;
        public int Entry, Pages;
        public CapRights MappedRights;
        public override string ToString() => $"{Obj.Key} [{Rights}]";
    }

    sealed class Model
    {
        public readonly List<MCap> Caps = new();
        public readonly MObj Root;
        public readonly MCap Holder;

        public Model()
        {
            var ram = new MObj { Key = new(CapType.Ram, 0, BootRam, 0) };
            Root = new MObj { Key = new(CapType.CNode, 0, Granule, 0), Parent = ram, Slots = new MCap?[Cptr.L2Slots] };
            Place(new MCap { Obj = ram, Rights = CapRights.All }, Root, 0);
            Holder = new MCap { Obj = Root, Rights = CapRights.All };
            Caps.Add(Holder);
        }

        public void Place(MCap c, MObj? container, int index)
        {
            c.Container = container;
            c.Index = index;
            if (container != null) container.Slots![index] = c;
            Caps.Add(c);
        }

        /// <summary>The slot <paramref name="p"/> names in the CSpace rooted at <paramref name="holder"/> (null: the boot CSpace).</summary>
        public CapError Resolve(Cptr p, out MObj container, out int index, MCap? holder = null)
        {
            container = null!;
            index = 0;
            holder ??= Holder;
            if (!Caps.Contains(holder)) return CapError.InvalidAddress;
            var root = holder.Obj;
            if ((uint)p.L1 >= (uint)root.Slots!.Length) return CapError.InvalidAddress;
            if (p.Level == 1) { container = root; index = p.L1; return CapError.Ok; }
            if (p.Level != 2 || root.Slots[p.L1] is not { Obj.Key.Type: CapType.CNode } l2) return CapError.InvalidAddress;
            if ((uint)p.L2 >= (uint)l2.Obj.Slots!.Length) return CapError.InvalidAddress;
            container = l2.Obj;
            index = p.L2;
            return CapError.Ok;
        }

        public CapError Lookup(Cptr p, out MCap cap)
        {
            cap = null!;
            var e = Resolve(p, out var container, out int index);
            if (e != CapError.Ok) return e;
            if (container.Slots![index] is not { } c) return CapError.EmptySlot;
            cap = c;
            return CapError.Ok;
        }

        public MCap? At(Cptr p) => Lookup(p, out var c) == CapError.Ok ? c : null;

        /// <summary>True when <paramref name="o"/> was derived (transitively) from <paramref name="ancestor"/>.</summary>
        public static bool Derives(MObj o, MObj ancestor)
        {
            for (var p = o.Parent; p != null; p = p.Parent)
                if (p == ancestor) return true;
            return false;
        }

        /// <summary>Depth in the derivation tree: the object's live ancestors (a dead one's descendants moved up to its parent).</summary>
        public static int Depth(MObj o)
        {
            int d = 0;
            for (var p = o.Parent; p != null; p = p.Parent)
                if (p.Alive) d++;
            return d;
        }

        /// <summary>Deletes one capability; the last one of an object ends it: a CNode's slots go with it, a table's mappings are cleared.</summary>
        public void Delete(MCap c)
        {
            if (!Caps.Remove(c)) return;
            if (c.Container != null) c.Container.Slots![c.Index] = null;
            if (c.MappedIn != null) Unmap(c);
            if (Caps.Any(o => o.Obj == c.Obj)) return;
            c.Obj.Alive = false;
            if (c.Obj.Slots is { } slots)
                for (int i = 0; i < slots.Length; i++)
                    if (slots[i] is { } s) Delete(s);
            if (c.Obj.Table is { } table)
                for (int i = 0; i < table.Length; i++)
                    if (table[i] is { } f && f.Entry == i) Unmap(f);
        }

        /// <summary>Barrelfish's revoke: every other capability to the object and every capability to a descendant goes.</summary>
        public void Revoke(MCap x)
        {
            foreach (var v in Caps.Where(v => v != x && (v.Obj == x.Obj || Derives(v.Obj, x.Obj))).ToList()) Delete(v);
        }

        public static void Unmap(MCap f)
        {
            var table = f.MappedIn!.Table!;
            for (int k = f.Entry; k < f.Entry + f.Pages; k++) table[k] = null;
            f.MappedIn = null;
        }
    }

    // ------------------------------------------------------------------ the harness

    sealed class Harness : IDisposable
    {
        public readonly CapabilityTestCore Core = new(memoryBytes: 1 << 20, ramBytes: BootRam);
        public readonly Model Model = new();
        public readonly List<(CapHandle Handle, MCap Cap)> Handles = new();
        /// <summary>CSpaces created at a copy of a CNode capability (the model's copy has no slot).</summary>
        readonly List<(CSpace Space, MCap Holder)> _others = new();
        public readonly Dictionary<string, int> Codes = new();
        public int Succeeded;

        CapabilityDriver D => Core.Driver;
        CSpace S => Core.Space;

        public void Dispose() => Core.Dispose();

        /// <summary>The addresses the operations name: root slots 0..UsedRoot-1 and the first slots of every L2 CNode among them.</summary>
        IEnumerable<Cptr> Addresses()
        {
            if (!Model.Root.Alive) yield break;
            for (int i = 0; i < SeenRoot; i++)
            {
                yield return Cptr.Root(i);
                if (Model.Root.Slots![i] is { Obj.Key.Type: CapType.CNode })
                    for (int j = 0; j < UsedL2; j++) yield return Cptr.At(i, j);
            }
        }

        /// <summary>Mostly an occupied address (of <paramref name="prefer"/> type when there is one); sometimes any, or one that does not resolve.</summary>
        Cptr PickOccupied(int a, params CapType[] prefer)
        {
            if (a % 25 == 0) return a % 2 == 0 ? Cptr.Root(Cptr.L2Slots + a % 7) : Cptr.At(UsedRoot - 1 - a % 3, a % UsedL2); // past the root CNode, or through a slot that may hold no CNode
            if (a % 11 == 0) return Cptr.Root(1 + a % (UsedRoot - 1));
            var occupied = Addresses().Where(p => Model.At(p) != null).ToList();
            var preferred = occupied.Where(p => prefer.Contains(Model.At(p)!.Obj.Key.Type)).ToList();
            if (preferred.Count > 0 && a % 4 != 0) return preferred[a % preferred.Count];
            return occupied.Count > 0 ? occupied[a % occupied.Count] : Cptr.Root(a % UsedRoot);
        }

        /// <summary>Mostly the first of <paramref name="count"/> empty slots in a row; sometimes any slot.</summary>
        Cptr PickFree(int b, int count = 1)
        {
            var free = Addresses().Where(p => (p.Level == 2 || p.L1 != 0) && p.L1 < UsedRoot && Model.Resolve(p, out var c, out int i) == CapError.Ok
                && Enumerable.Range(i, Math.Max(count, 1)).All(k => k < c.Slots!.Length && c.Slots[k] == null)).ToList();
            if (free.Count == 0 || b % 13 == 0) return b % 2 == 0 ? Cptr.Root(1 + b % (UsedRoot - 1)) : Cptr.At(1 + b % (UsedRoot - 1), b % UsedL2);
            return free[b % free.Count];
        }

        /// <summary>Mostly the boot CSpace and a free slot of it; sometimes a slot of another CSpace of this core.</summary>
        (CSpace Space, MCap? Holder, Cptr Dest) PickDest(int b, int e, int count = 1)
        {
            if (_others.Count == 0 || e % 3 != 0) return (S, null, PickFree(b, count));
            var (space, holder) = _others[e % _others.Count];
            return (space, holder, Cptr.Root(b % 6));
        }

        static readonly CapType[] RetypeTypes =
            [CapType.Ram, CapType.Ram, CapType.Frame, CapType.Frame, CapType.Frame, CapType.Frame, CapType.CNode, CapType.CNode, CapType.VNodePtable, CapType.VNodePtable, CapType.VNodePtable, CapType.Dispatcher, CapType.Dispatcher, CapType.Endpoint, CapType.Endpoint];

        /// <summary>Applies one operation to both; returns a description of the first disagreement, or null.</summary>
        public string? Step(Op op)
        {
            var m = Model;
            CapError expected, actual;
            Action apply = () => { };
            string? also = null;
            var kind = (Kind)op.Kind;
            switch (kind)
            {
                case Kind.Retype:
                {
                    var type = RetypeTypes[op.B % RetypeTypes.Length];
                    var srcAddr = type == CapType.Endpoint ? PickOccupied(op.A, CapType.Dispatcher) : PickOccupied(op.A, CapType.Ram);
                    var lookup = m.Lookup(srcAddr, out var src);
                    ulong srcSize = src?.Obj.Key.Size ?? BootRam, srcPages = srcSize / Page;
                    ulong requested = type switch
                    {
                        CapType.Ram or CapType.Frame => op.C % 17 == 0 ? Page / 2 : op.C % 19 == 0 ? 1UL << 63 : Page * (1 + (ulong)op.C % Math.Clamp(srcPages / 2, 1, type == CapType.Frame ? 4UL : 16UL)),
                        CapType.CNode => op.C % 7 == 0 ? Granule / 2 : Granule * (1 + (ulong)op.C % 2),
                        _ => op.C % 9 == 0 ? 2 * Page : op.C % 3 == 0 ? Page : 0,
                    };
                    int count = op.D % 23 == 0 ? 0 : 1 + op.D % 3;
                    ulong offset = op.E % 29 == 0 ? ulong.MaxValue - Page + 1
                        : op.E % 31 == 0 ? (ulong)op.E % srcPages * Page + 8
                        : op.E % 3 == 0 ? 0 : (ulong)op.E % srcPages * Page;
                    var (destSpace, destHolder, dest) = PickDest(op.B ^ op.E, op.D, count);
                    RetypePlan plan = default;
                    expected = lookup != CapError.Ok ? lookup : ExpectRetype(src!, type, offset, requested, count, dest, out plan, destHolder);
                    actual = D.Retype(S, srcAddr, type, offset, requested, count, destSpace, dest);
                    Codes[$"Retype {type}:{expected}"] = Codes.GetValueOrDefault($"Retype {type}:{expected}") + 1;
                    apply = () => ApplyRetype(src!, type, count, plan);
                    break;
                }
                case Kind.Copy:
                case Kind.Mint:
                {
                    bool mint = kind == Kind.Mint;
                    uint badge = !mint || op.D % 3 != 0 ? 0 : new[] { 5u, 7u, 7u, CapObjectKey.MaxBadge, CapObjectKey.MaxBadge + 1 }[op.D / 3 % 5];
                    // Mostly not the boot RAM: its copies would crowd the slots (and a revoke of one destroys the CSpace).
                    var srcAddr = badge != 0 ? PickOccupied(op.A, CapType.Endpoint)
                        : op.E % 8 == 0 ? PickOccupied(op.A) : PickOccupied(op.A, CapType.Frame, CapType.CNode, CapType.CNode, CapType.VNodePtable, CapType.Dispatcher, CapType.Endpoint);
                    var lookup = m.Lookup(srcAddr, out var src);
                    var (destSpace, destHolder, dest) = PickDest(op.B, op.E);
                    var srcRights = src?.Rights ?? CapRights.All;
                    var rights = !mint ? srcRights
                        : op.C % 37 == 0 ? (CapRights)0x30 | srcRights
                        : (CapRights)(op.C % 16) & (op.C % 3 != 0 ? srcRights : CapRights.All);
                    MObj destContainer = null!;
                    int destIndex = 0;
                    expected = lookup != CapError.Ok ? lookup
                        : m.Resolve(dest, out destContainer, out destIndex, destHolder) is var r && r != CapError.Ok ? r
                        : destContainer.Slots![destIndex] != null ? CapError.SlotInUse
                        : (rights & ~src!.Rights) != 0 ? CapError.RightsNotSubset
                        : badge != 0 && (src.Obj.Key.Type != CapType.Endpoint || src.Obj.Key.Badge != 0 || badge > CapObjectKey.MaxBadge) ? CapError.InvalidBadge
                        : CapError.Ok;
                    actual = mint ? D.Mint(S, srcAddr, destSpace, dest, rights, badge) : D.Copy(S, srcAddr, destSpace, dest);
                    apply = () =>
                    {
                        var obj = src!.Obj;
                        if (badge != 0)
                        {
                            var key = src.Obj.Key with { Badge = badge };
                            obj = m.Caps.Select(c => c.Obj).FirstOrDefault(o => o.Key == key) ?? new MObj { Key = key, Parent = src.Obj };
                        }
                        m.Place(new MCap { Obj = obj, Rights = rights }, destContainer, destIndex);
                    };
                    break;
                }
                case Kind.Delete:
                case Kind.Revoke:
                {
                    var addr = PickOccupied(op.A);
                    // The boot RAM (or a copy of it) rarely: revoking it destroys the CSpace.
                    if (m.At(addr)?.Obj == m.Root.Parent && op.B % (kind == Kind.Revoke ? 101 : 8) != 1)
                    {
                        var others = Addresses().Where(p => m.At(p) is { } c && c.Obj != m.Root.Parent).ToList();
                        addr = others.Count > 0 ? others[op.B % others.Count] : Cptr.Root(Cptr.L2Slots);
                    }
                    expected = m.Lookup(addr, out var x);
                    actual = kind == Kind.Delete ? D.Delete(S, addr) : D.Revoke(S, addr);
                    apply = kind == Kind.Delete ? () => m.Delete(x!) : () => m.Revoke(x!);
                    break;
                }
                case Kind.Setup:
                {
                    var addr = PickOccupied(op.A, CapType.Dispatcher);
                    var lookup = m.Lookup(addr, out var x);
                    expected = lookup != CapError.Ok ? lookup
                        : x.Obj.Key.Type != CapType.Dispatcher ? CapError.WrongType
                        : x.Obj.Setup ? CapError.DispatcherState
                        : CapError.Ok;
                    actual = D.SetupDispatcher(S, addr, new object());
                    apply = () => x.Obj.Setup = true;
                    break;
                }
                case Kind.Map:
                {
                    var tableAddr = PickOccupied(op.A, CapType.VNodePtable);
                    var frameAddr = PickOccupied(op.B, CapType.Frame);
                    int entry = op.C % 6 == 0 ? Entries - 1 - op.C % 3 : op.C % 12;
                    var rights = new[] { CapRights.Read, CapRights.ReadWrite, CapRights.Write, CapRights.Read | CapRights.Grant, CapRights.ReadWrite }[op.D % 5];
                    var lt = m.Lookup(tableAddr, out var t);
                    CapError lf = CapError.Ok;
                    MCap f = null!;
                    int pages = 0;
                    expected = lt != CapError.Ok ? lt
                        : t.Obj.Key.Type is < CapType.VNodePml4 or > CapType.VNodePtable ? CapError.WrongType
                        : (t.Rights & CapRights.Write) == 0 ? CapError.MissingRights
                        : (lf = m.Lookup(frameAddr, out f)) != CapError.Ok ? lf
                        : f.Obj.Key.Type != CapType.Frame ? CapError.WrongType // a last-level table maps frames
                        : (rights & CapRights.Read) == 0 || (rights & ~f.Rights) != 0 ? CapError.MissingRights
                        : (pages = (int)(f.Obj.Key.Size / Page)) > Entries - entry ? CapError.InvalidMapSlot
                        : f.MappedIn != null ? CapError.AlreadyMapped
                        : Enumerable.Range(entry, pages).Any(i => t.Obj.Table![i] != null) ? CapError.VNodeSlotInUse
                        : CapError.Ok;
                    actual = D.Map(S, tableAddr, entry, frameAddr, rights);
                    apply = () =>
                    {
                        f.MappedIn = t.Obj; f.Entry = entry; f.Pages = pages; f.MappedRights = rights;
                        for (int i = entry; i < entry + pages; i++) t.Obj.Table![i] = f;
                    };
                    break;
                }
                case Kind.Unmap:
                {
                    var tableAddr = PickOccupied(op.A, CapType.VNodePtable);
                    var lt = m.Lookup(tableAddr, out var t);
                    var starts = lt == CapError.Ok && t.Obj.Table is { } tb ? Enumerable.Range(0, Entries).Where(i => tb[i] is { } mf && mf.Entry == i).ToList() : [];
                    int entry = op.C % 29 == 0 ? Entries + op.C % 3 : starts.Count > 0 && op.C % 4 != 0 ? starts[op.C % starts.Count] : op.C % 12;
                    expected = lt != CapError.Ok ? lt
                        : t.Obj.Key.Type is < CapType.VNodePml4 or > CapType.VNodePtable ? CapError.WrongType
                        : (t.Rights & CapRights.Write) == 0 ? CapError.MissingRights
                        : entry >= Entries ? CapError.InvalidMapSlot
                        : t.Obj.Table![entry] is not { } mapped || mapped.Entry != entry ? CapError.VNodeSlotEmpty
                        : CapError.Ok;
                    actual = D.Unmap(S, tableAddr, entry);
                    apply = () => Model.Unmap(t.Obj.Table![entry]!);
                    break;
                }
                case Kind.Identify:
                {
                    var addr = PickOccupied(op.A);
                    expected = m.Lookup(addr, out var x);
                    actual = D.Identify(S, addr, out var id);
                    if (actual == CapError.Ok && expected == CapError.Ok && (id.Key != x.Obj.Key || id.Rights != x.Rights || id.Owner != 0))
                        also = $"Identify {addr}: {id}, model {x}";
                    break;
                }
                case Kind.Space when _others.Count > 0 && op.A % 2 == 1:
                {
                    // Boot is not an invocation: DestroyCSpace returns nothing and deletes the root capability if it is still there.
                    int i = op.B % _others.Count;
                    var (space, holder) = _others[i];
                    _others.RemoveAt(i);
                    D.DestroyCSpace(space);
                    expected = actual = CapError.Ok;
                    apply = () => m.Delete(holder);
                    break;
                }
                case Kind.Space:
                {
                    var addr = PickOccupied(op.B, CapType.CNode);
                    var lookup = m.Lookup(addr, out var x);
                    expected = lookup != CapError.Ok ? lookup : x.Obj.Key.Type != CapType.CNode ? CapError.WrongType : CapError.Ok;
                    actual = D.CreateCSpace(S, addr, out var space);
                    apply = () =>
                    {
                        var holder = new MCap { Obj = x.Obj, Rights = x.Rights };
                        m.Place(holder, null, 0);
                        _others.Add((space, holder));
                    };
                    break;
                }
                default:
                {
                    var addr = PickOccupied(op.A);
                    expected = m.Lookup(addr, out var x);
                    actual = D.GetHandle(S, addr, out var h);
                    apply = () => Handles.Add((h, x));
                    break;
                }
            }
            if (actual != expected) return $"{op}: expected {expected}, got {actual}";
            if (also != null) return also;
            Codes[$"{kind}:{expected}"] = Codes.GetValueOrDefault($"{kind}:{expected}") + 1;
            if (expected == CapError.Ok) { Succeeded++; apply(); }
            return Check();
        }

        void ApplyRetype(MCap src, CapType type, int count, RetypePlan plan)
        {
            for (int i = 0; i < count; i++)
            {
                var obj = new MObj
                {
                    Key = new CapObjectKey(type, plan.First + (ulong)i * plan.Bytes, plan.Bytes, 0),
                    Parent = src.Obj,
                    Slots = type == CapType.CNode ? new MCap?[plan.Bytes / CapTypeRules.SlotBytes] : null,
                    Table = type == CapType.VNodePtable ? new MCap?[Entries] : null,
                };
                Model.Place(new MCap { Obj = obj, Rights = src.Rights }, plan.Container, plan.Index + i);
            }
        }

        /// <summary>Every sequence starts with a RAM object, a table, two frames, a dispatcher and an L2 CNode in root slots past the ones operations fill.</summary>
        public Harness()
        {
            var start = new (CapType Type, ulong Offset, ulong Bytes, int Count, int Slot)[]
            {
                (CapType.Ram, 16 * Page, 16 * Page, 1, UsedRoot), (CapType.VNodePtable, 32 * Page, 0, 1, UsedRoot + 1),
                (CapType.Frame, 40 * Page, 2 * Page, 2, UsedRoot + 2), (CapType.Dispatcher, 48 * Page, 0, 1, UsedRoot + 4),
                (CapType.CNode, 52 * Page, Granule, 1, UsedRoot + 5),
            };
            foreach (var (type, offset, bytes, count, slot) in start)
            {
                var ram = Model.At(CSpace.BootRam)!;
                if (ExpectRetype(ram, type, offset, bytes, count, Cptr.Root(slot), out var plan) != CapError.Ok) throw new InvalidOperationException("the model refuses the start state");
                CapabilityTestCore.Ok(D.Retype(S, CSpace.BootRam, type, offset, bytes, count, Cptr.Root(slot)));
                ApplyRetype(ram, type, count, plan);
            }
        }

        readonly record struct RetypePlan(ulong First, ulong Bytes, MObj Container, int Index);

        /// <summary>The README's retype rules, in the order the driver checks them.</summary>
        CapError ExpectRetype(MCap src, CapType type, ulong offset, ulong requested, int count, Cptr dest, out RetypePlan plan, MCap? destHolder = null)
        {
            plan = default;
            var sk = src.Obj.Key;
            bool can = sk.Type switch
            {
                CapType.Ram => type is CapType.Ram or CapType.Frame or CapType.CNode or CapType.Dispatcher or (>= CapType.VNodePml4 and <= CapType.VNodePtable),
                CapType.Dispatcher => type == CapType.Endpoint,
                _ => false,
            };
            if (!can) return CapError.InvalidRetype;
            ulong bytes = requested;
            bool sizeOk = type switch
            {
                CapType.Ram or CapType.Frame => requested > 0 && requested % Page == 0,
                CapType.CNode => requested > 0 && requested % Granule == 0 && requested / CapTypeRules.SlotBytes <= int.MaxValue,
                _ => requested is 0 or Page,
            };
            if (!sizeOk) return CapError.InvalidSize;
            if (type != CapType.Ram && type != CapType.Frame && type != CapType.CNode) bytes = Page;
            if (count < 1) return CapError.InvalidCount;
            if (offset % Page != 0) return CapError.InvalidOffset;
            if (type == CapType.Endpoint)
            {
                if (count != 1) return CapError.InvalidCount;
                if (offset != 0) return CapError.InvalidOffset;
                if (!src.Obj.Setup) return CapError.DispatcherState;
                bytes = sk.Size;
            }
            UInt128 total = (UInt128)bytes * (uint)count;
            if ((UInt128)offset + total > sk.Size) return CapError.InvalidOffset;
            if (type == sk.Type && offset == 0 && total == sk.Size && count == 1) return CapError.InvalidRetype;
            var e = Model.Resolve(dest, out var container, out int index, destHolder);
            if (e != CapError.Ok) return e;
            if (count > container.Slots!.Length - index) return CapError.InvalidCount;
            for (int i = 0; i < count; i++)
                if (container.Slots[index + i] != null) return CapError.SlotInUse;
            ulong first = sk.Base + offset;
            if (Model.Caps.Any(c => Model.Derives(c.Obj, src.Obj) && c.Obj.Key.Overlaps(first, (ulong)total))) return CapError.RevokeFirst;
            plan = new RetypePlan(first, bytes, container, index);
            return CapError.Ok;
        }

        /// <summary>The invariants, on the driver against the model.</summary>
        string? Check()
        {
            var m = Model;
            if (D.Validate() is { } broken) return $"mapping database: {broken}";
            // Exactly the model's capabilities, each at its object's depth.
            var real = D.Snapshot().Select(r => $"{r.Key} [{r.Rights}] depth {r.Depth}{(r.Mapped ? " mapped" : "")}").Order().ToList();
            var model = m.Caps.Select(c => $"{c.Obj.Key} [{c.Rights}] depth {Model.Depth(c.Obj)}{(c.MappedIn != null ? " mapped" : "")}").Order().ToList();
            if (!real.SequenceEqual(model))
                return $"the mapping database differs from the model:\n  real:  {string.Join(" | ", real)}\n  model: {string.Join(" | ", model)}";
            // Every slot reachable by a cptr, in every CSpace.
            foreach (var (space, holder) in _others.Prepend((S, m.Holder)))
            {
                if (!m.Caps.Contains(holder))
                {
                    if (space.RootSlots != 0) return $"a CSpace whose root capability is gone still has {space.RootSlots} root slots";
                    continue;
                }
                var root = holder.Obj.Slots!;
                if (space.RootSlots != root.Length) return $"root CNode has {space.RootSlots} slots, model {root.Length}";
                for (int i = 0; i < root.Length; i++)
                {
                    if (Differs(space, Cptr.Root(i), root[i]) is { } d) return d;
                    if (root[i] is { Obj.Slots: { } l2 })
                        for (int j = 0; j < Math.Min(l2.Length, Cptr.L2Slots); j++)
                            if (Differs(space, Cptr.At(i, j), l2[j]) is { } d2) return d2;
                }
            }
            // No two live memory objects overlap unless one derives from the other (badged endpoints share their dispatcher's range).
            var objects = m.Caps.Select(c => c.Obj).Where(o => o.Key.Type != CapType.Endpoint).Distinct().ToList();
            foreach (var o in objects)
            {
                if (o.Key.End > BootRam) return $"{o} lies outside the boot RAM";
                foreach (var p in objects)
                    if (o != p && o.Key.Overlaps(p.Key) && !Model.Derives(o, p) && !Model.Derives(p, o)) return $"{o} and {p} overlap but neither derives from the other";
            }
            // Page tables hold exactly the model's mappings.
            foreach (var t in objects.Where(o => o.Table != null))
            {
                var words = MemoryMarshal.Cast<byte, ulong>(Core.Memory.Frame(t.Key.Base));
                for (int i = 0; i < Entries; i++)
                {
                    ulong want = t.Table![i] is { } f
                        ? PageTableEntry.Leaf(f.Obj.Key.Base + (ulong)(i - f.Entry) * Page, (f.MappedRights & CapRights.Write) != 0 ? PageRights.ReadWrite : PageRights.ReadOnly)
                        : 0;
                    if (words[i] != want) return $"table {t} entry {i}: 0x{words[i]:x}, model 0x{want:x}";
                }
            }
            foreach (var (h, c) in Handles)
                if (h.IsLive != m.Caps.Contains(c)) return $"a handle to {c} is {(h.IsLive ? "live" : "dead")}, the model says otherwise";
            return null;
        }

        static string? Differs(CSpace space, Cptr p, MCap? model)
        {
            var real = space[p];
            bool same = model == null ? real.IsNull : real.Key == model.Obj.Key && real.Rights == model.Rights;
            return same ? null : $"{p}: real {real}, model {model?.ToString() ?? "empty"}";
        }
    }

    static string? Run(Op[] ops, Harness h)
    {
        for (int i = 0; i < ops.Length; i++)
            if (h.Step(ops[i]) is { } error) return $"step {i}: {error}";
        return null;
    }

    [FsCheck.Xunit.Property(MaxTest = 150, Replay = "20261203,1")]
    public Property RandomLocalSequencesAgreeWithTheModel() => Prop.ForAll(Arb.From(OpsGen, Shrink), ops =>
    {
        using var h = new Harness();
        var error = Run(ops, h);
        return (error == null).Label(error == null ? "" : $"{error}\n{string.Join(" ", ops.Select(o => o.ToString()))}");
    });

    [Fact]
    public void LongLocalSequencesAgreeWithTheModelAndReachEveryOutcome()
    {
        var codes = new Dictionary<string, int>();
        int succeeded = 0, steps = 0;
        for (int seed = 1; seed <= 40; seed++)
        {
            var rng = new Random(seed);
            var ops = Enumerable.Range(0, 120).Select(_ => new Op((int)KindTable[rng.Next(KindTable.Length)], rng.Next(1000), rng.Next(1000), rng.Next(1000), rng.Next(1000), rng.Next(1000))).ToArray();
            using var h = new Harness();
            var error = Run(ops, h);
            Assert.True(error == null, $"seed {seed}: {error}\n{string.Join(" ", ops.Select(o => o.ToString()))}");
            succeeded += h.Succeeded;
            steps += ops.Length;
            foreach (var (k, v) in h.Codes) codes[k] = codes.GetValueOrDefault(k) + v;
        }
        output.WriteLine($"{steps} steps, {succeeded} succeeded");
        output.WriteLine(string.Join(", ", codes.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value}")));
        Assert.True(succeeded > steps / 4, $"only {succeeded} of {steps} steps succeeded");
        foreach (var kind in Enum.GetNames<Kind>())
            Assert.True(codes.GetValueOrDefault($"{kind}:Ok") > 10, $"only {codes.GetValueOrDefault($"{kind}:Ok")} successful {kind} steps");
        foreach (var code in new[] { "Retype:RevokeFirst", "Retype:InvalidOffset", "Retype:InvalidSize", "Retype:InvalidCount", "Retype:InvalidRetype", "Retype:SlotInUse",
                     "Retype:DispatcherState", "Mint:RightsNotSubset", "Mint:InvalidBadge", "Copy:SlotInUse", "Delete:EmptySlot", "Map:AlreadyMapped", "Map:VNodeSlotInUse",
                     "Map:MissingRights", "Unmap:VNodeSlotEmpty", "Setup:DispatcherState", "Identify:InvalidAddress" })
            Assert.True(codes.GetValueOrDefault(code) > 0, $"no step ended {code}");
    }
}
