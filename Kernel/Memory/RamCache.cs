using Multikernel.Capabilities;
using Multikernel.Urpc;
using static Multikernel.Memory.MemoryServerMessages;

namespace Multikernel.Memory;

/// <summary>
/// One core's cache of RAM capabilities, kept by its monitor in the monitor's CSpace (Barrelfish's per-core
/// <c>mem_serv</c> part): the core's boot RAM, and RAM the memory server on the boot core has given to this core. It
/// hands memory to the dispatchers of its core by <em>retyping</em> a free part of one of its RAM capabilities into
/// the dispatcher's CSpace (a CSpace of its own: <see cref="CreateSpace(ulong, out DispatcherMemory)"/>; or any
/// object: <see cref="TryRetype"/>), sets parts aside for later (<see cref="Reserve"/>), and asks the memory server
/// for more by URPC when it runs low or a request does not fit.
/// <para>It only remembers which parts it handed out; the CPU driver checks every retype, so a free range whose pages
/// are still in use (released before its holder deleted every capability to it) is refused
/// (<see cref="CapError.RevokeFirst"/>) and never gives one page two owners; <see cref="TryRetype"/> then tries the next
/// free range.</para>
/// <para>Invariants: core-local (the monitor's core); every page of its RAM capabilities is in exactly one free range,
/// one held <see cref="RamReservation"/> or one handed-out part; free ranges of one capability are disjoint and sorted;
/// at most one request to the server is in flight, waiters are served in order, and a waiter exists only while a
/// request is in flight. A reservation is carved out of the free ranges when its requester is answered, so an answer
/// Ok is never a promise that a later retype or reservation can break.</para>
/// <para>Once the memory server's core has faulted (<see cref="ServerFaulted"/>) no request is in flight, none is sent
/// again and nobody waits: what the cache holds is all it has, and a reservation it cannot carve is refused with
/// <see cref="CapError.CoreFaulted"/>.</para>
/// </summary>
public sealed class RamCache
{
    sealed class Chunk(Cptr slot, ulong @base, ulong bytes)
    {
        public readonly Cptr Slot = slot;
        public readonly ulong Base = @base;
        public readonly ulong Bytes = bytes;
        public readonly List<(ulong Offset, ulong Bytes)> Free = new();
    }

    readonly CapabilityDriver _caps;
    readonly CSpace _space;
    readonly UrpcEndpoint? _server;
    readonly UrpcBacklog _backlog = new();
    readonly List<Chunk> _chunks = new();
    readonly Stack<int> _freeRootSlots = new();
    /// <summary>Per root slot: out with <see cref="TryTakeSlot"/> (so not in <see cref="_freeRootSlots"/>) until <see cref="ReturnSlot"/>.</summary>
    readonly bool[] _lent;
    readonly Queue<(ulong Bytes, Action<CapError, RamReservation?> Ready)> _waiting = new();
    ulong _requestTag;
    Cptr _requestSlot;
    bool _requesting;
    bool _serverFaulted;
    bool _abandonedRequest; // the server faulted with a request in flight whose RAM had not reached _requestSlot (kept taken)

    /// <summary>Size of each refill the cache asks for (2^bits bytes).</summary>
    public int RefillBits { get; }
    /// <summary>Below this many free bytes the cache asks for a refill before it runs out.</summary>
    public ulong LowWater { get; }
    public int Core => _caps.Core;
    public ulong FreeBytes { get; private set; }
    /// <summary>Bytes set aside by reservations still held (in neither <see cref="FreeBytes"/> nor a handed-out part).</summary>
    public ulong ReservedBytes { get; private set; }
    public ulong TotalBytes { get; private set; }
    /// <summary>Refills the memory server has granted this cache.</summary>
    public int Refills { get; private set; }
    /// <summary>A request to the memory server is in flight (at most one is): its give may still be under way.</summary>
    public bool RefillInFlight => _requesting;
    /// <summary>The memory server's core has faulted (<see cref="ServerFaulted"/>): the cache asks for no refill any more.</summary>
    public bool ServerHasFaulted => _serverFaulted;
    /// <summary>Requests waiting for a refill (for tests).</summary>
    internal int WaitingRequests => _waiting.Count;

    /// <param name="space">The monitor's CSpace: its RAM capability in <see cref="CSpace.BootRam"/>, the rest of its root slots free.</param>
    /// <param name="reserved">Bytes at the start of the boot RAM already in use (the root CNode): a multiple of a page, at most the RAM's size.</param>
    /// <param name="server">This core's end of the binding with the memory server (null: no server, the boot RAM is all there is).</param>
    public RamCache(CapabilityDriver caps, CSpace space, ulong reserved, UrpcEndpoint? server, int refillBits = 20)
    {
        ArgumentNullException.ThrowIfNull(caps);
        ArgumentNullException.ThrowIfNull(space);
        if (caps.Identify(space, CSpace.BootRam, out var ram) != CapError.Ok || ram.Type != CapType.Ram)
            throw new ArgumentException("the CSpace holds no RAM capability in its boot slot", nameof(space));
        if (refillBits < CapTypeRules.PageShift || refillBits > 40) throw new ArgumentOutOfRangeException(nameof(refillBits), refillBits, "a refill is 2^12 to 2^40 bytes");
        if (reserved % CapTypeRules.PageSize != 0 || reserved > ram.Size)
            throw new ArgumentOutOfRangeException(nameof(reserved), reserved, $"the boot RAM's bytes in use are a multiple of a page, at most its 0x{ram.Size:x} bytes");
        _caps = caps;
        _space = space;
        _server = server;
        RefillBits = refillBits;
        LowWater = 1UL << refillBits;
        for (int i = space.RootSlots - 1; i >= 1; i--) _freeRootSlots.Push(i);
        _lent = new bool[space.RootSlots];
        var boot = new Chunk(CSpace.BootRam, ram.Base, ram.Size);
        if (reserved < ram.Size) boot.Free.Add((reserved, ram.Size - reserved));
        Add(boot);
    }

    void Add(Chunk c)
    {
        _chunks.Add(c);
        TotalBytes += c.Bytes;
        foreach (var f in c.Free) FreeBytes += f.Bytes;
    }

    /// <summary>
    /// Retypes <paramref name="count"/> objects of <paramref name="type"/>, <paramref name="objectBytes"/> each, from
    /// one free part of the cache's RAM into consecutive slots from <paramref name="dest"/> of
    /// <paramref name="destSpace"/> (a CSpace of this core). <see cref="CapError.OutOfRam"/> when no free part is large
    /// enough (<see cref="Reserve"/> refills). A free range the CPU driver refuses for its pages (still in use:
    /// <see cref="RangeRefusal"/>) is passed over for the next one; that refusal is the answer only when no range
    /// serves. A refusal about the destination or the type is the same for every range and is the answer at once.
    /// The part stays handed out until <see cref="Release"/>.
    /// </summary>
    public CapError TryRetype(CapType type, ulong objectBytes, int count, CSpace destSpace, Cptr dest, out ulong @base)
    {
        @base = 0;
        if (!CapTypeRules.TryObjectSize(type, objectBytes, out ulong bytes)) return CapError.InvalidSize;
        if (count < 1) return CapError.InvalidCount;
        ulong total = bytes * (ulong)count;
        var refused = CapError.Ok;
        foreach (var c in _chunks)
            for (int i = 0; i < c.Free.Count; i++)
            {
                var (offset, free) = c.Free[i];
                if (free < total) continue;
                var e = _caps.Retype(_space, c.Slot, type, offset, objectBytes, count, destSpace, dest);
                if (e != CapError.Ok)
                {
                    if (!RangeRefusal(e)) return e;
                    if (refused == CapError.Ok) refused = e;
                    continue;
                }
                if (free == total) c.Free.RemoveAt(i); else c.Free[i] = (offset + total, free - total);
                FreeBytes -= total;
                @base = c.Base + offset;
                if (FreeBytes < LowWater) Refill();
                return CapError.Ok;
            }
        if (FreeBytes < LowWater + total) Refill();
        return refused != CapError.Ok ? refused : CapError.OutOfRam;
    }

    /// <summary>
    /// A retype refusal about the pages of the range tried (a live descendant, or one on another core, overlaps it; a
    /// distributed operation holds it; it lies outside physical memory): another free range may still serve. The other
    /// refusals (the destination's slots, the type or the size) would refuse every range alike.
    /// </summary>
    static bool RangeRefusal(CapError e) =>
        e is CapError.RevokeFirst or CapError.NeedsAgreement or CapError.Locked or CapError.OutsidePhysicalMemory;

    /// <summary>
    /// Takes back a part handed out by <see cref="TryRetype"/> (its holder has deleted every capability to it). Throws
    /// <see cref="ArgumentException"/>, changing nothing, for a range that is empty, not page-aligned, or not inside one
    /// of the cache's RAM capabilities, and <see cref="InvalidOperationException"/> for one that overlaps a free range.
    /// </summary>
    public void Release(ulong @base, ulong bytes)
    {
        if (bytes == 0 || @base % CapTypeRules.PageSize != 0 || bytes % CapTypeRules.PageSize != 0 || @base + bytes < @base)
            throw new ArgumentException($"core #{Core}: RAM 0x{@base:x}+0x{bytes:x} is not a non-empty page-aligned range", nameof(bytes));
        foreach (var c in _chunks)
        {
            if (@base < c.Base || @base + bytes > c.Base + c.Bytes) continue;
            ulong offset = @base - c.Base;
            int i = 0;
            while (i < c.Free.Count && c.Free[i].Offset < offset) i++;
            if ((i > 0 && c.Free[i - 1].Offset + c.Free[i - 1].Bytes > offset) || (i < c.Free.Count && offset + bytes > c.Free[i].Offset))
                throw new InvalidOperationException($"core #{Core}: RAM 0x{@base:x}+0x{bytes:x} released twice (it overlaps a free range)");
            c.Free.Insert(i, (offset, bytes));
            if (i + 1 < c.Free.Count && offset + bytes == c.Free[i + 1].Offset)
            {
                c.Free[i] = (offset, bytes + c.Free[i + 1].Bytes);
                c.Free.RemoveAt(i + 1);
            }
            if (i > 0 && c.Free[i - 1].Offset + c.Free[i - 1].Bytes == offset)
            {
                c.Free[i - 1] = (c.Free[i - 1].Offset, c.Free[i - 1].Bytes + c.Free[i].Bytes);
                c.Free.RemoveAt(i);
            }
            FreeBytes += bytes;
            return;
        }
        throw new ArgumentException($"core #{Core}: RAM 0x{@base:x}+0x{bytes:x} is not this cache's", nameof(@base));
    }

    /// <summary>
    /// Calls <paramref name="ready"/> (on this core) with <see cref="CapError.Ok"/> and a reservation of
    /// <paramref name="bytes"/> contiguous bytes once a free part that large exists, asking the memory server for RAM if
    /// needed; with no reservation and the server's refusal, or <see cref="CapError.OutOfRam"/> when there is no server
    /// or the request is larger than a refill, or <see cref="CapError.CoreFaulted"/> when only a refill could serve it
    /// and the memory server's core has faulted (also for a request waiting when it faults), or
    /// <see cref="CapError.OutOfSlots"/> when no refill is in flight and the
    /// monitor's CSpace has no free root slot to receive one in, or <see cref="CapError.InvalidSize"/> for a size that
    /// is not a positive multiple of a page. At once when it can be reserved now (and no earlier request waits) or
    /// cannot be served. The caller must end the reservation: use it
    /// (<see cref="CreateSpace(RamReservation, ulong, out DispatcherMemory)"/>) or give it back (<see cref="Unreserve"/>).
    /// </summary>
    public void Reserve(ulong bytes, Action<CapError, RamReservation?> ready)
    {
        ArgumentNullException.ThrowIfNull(ready);
        if (bytes == 0 || bytes % CapTypeRules.PageSize != 0) { ready(CapError.InvalidSize, null); return; }
        if (_waiting.Count == 0 && TryCarve(bytes, out var reservation)) { ready(CapError.Ok, reservation); return; }
        if (_server == null || bytes > 1UL << RefillBits) { ready(CapError.OutOfRam, null); return; }
        if (_serverFaulted) { ready(CapError.CoreFaulted, null); return; }
        _waiting.Enqueue((bytes, ready));
        Refill();
        RefuseUnservable();
    }

    /// <summary>Gives a held reservation's bytes back to the free ranges; nothing for one already used or given back.</summary>
    public void Unreserve(RamReservation reservation)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        if (reservation.Cache != this) throw new ArgumentException($"core #{Core}: the reservation is core #{reservation.Cache.Core}'s", nameof(reservation));
        if (!reservation.IsHeld) return;
        reservation.IsHeld = false;
        ReservedBytes -= reservation.Bytes;
        Release(reservation.Base, reservation.Bytes);
    }

    /// <summary>
    /// With no refill in flight (<see cref="Refill"/> found no root slot to receive one in) nothing would ever serve the
    /// waiters: each is told now, in order, Ok with its reservation where its part fits after all and
    /// <see cref="CapError.OutOfSlots"/> where not.
    /// </summary>
    void RefuseUnservable()
    {
        while (!_requesting && _waiting.Count > 0)
        {
            var (bytes, ready) = _waiting.Dequeue();
            if (TryCarve(bytes, out var reservation)) ready(CapError.Ok, reservation);
            else ready(CapError.OutOfSlots, null);
        }
    }

    /// <summary>Takes <paramref name="bytes"/> from the start of the first free range that holds them, as a reservation; false when none does.</summary>
    bool TryCarve(ulong bytes, out RamReservation reservation)
    {
        foreach (var c in _chunks)
            for (int i = 0; i < c.Free.Count; i++)
            {
                var (offset, free) = c.Free[i];
                if (free < bytes) continue;
                if (free == bytes) c.Free.RemoveAt(i); else c.Free[i] = (offset + bytes, free - bytes);
                FreeBytes -= bytes;
                ReservedBytes += bytes;
                reservation = new RamReservation(this, c.Base + offset, bytes);
                return true;
            }
        reservation = null!;
        return false;
    }

    /// <summary>A free root slot of the monitor's CSpace (the cache and the monitor share them); false when none is left.</summary>
    public bool TryTakeSlot(out Cptr slot)
    {
        if (_freeRootSlots.Count == 0) { slot = default; return false; }
        int i = _freeRootSlots.Pop();
        _lent[i] = true;
        slot = Cptr.Root(i);
        return true;
    }

    /// <summary>
    /// Gives back a root slot taken with <see cref="TryTakeSlot"/> (empty again). Throws, changing nothing,
    /// <see cref="ArgumentException"/> for an address that is not a root slot of the monitor's CSpace, and
    /// <see cref="InvalidOperationException"/> for a slot not out with <see cref="TryTakeSlot"/> (returned twice, or the
    /// cache's own): taken again, such a slot would be handed to two holders.
    /// </summary>
    public void ReturnSlot(Cptr slot)
    {
        if (slot.Level != 1 || (uint)slot.L1 >= (uint)_lent.Length)
            throw new ArgumentException($"core #{Core}: {slot} is not a root slot of the monitor's CSpace (0..{_lent.Length - 1})", nameof(slot));
        if (!_lent[slot.L1])
            throw new InvalidOperationException($"core #{Core}: {slot} is not out with TryTakeSlot (returned twice, or never taken)");
        _lent[slot.L1] = false;
        _freeRootSlots.Push(slot.L1);
    }

    /// <summary>Asks the memory server for one refill unless a request is in flight (or there is no server or no free root slot).</summary>
    void Refill()
    {
        if (_requesting || _server == null || _serverFaulted || _freeRootSlots.Count == 0) return;
        _requesting = true;
        _requestSlot = Cptr.Root(_freeRootSlots.Pop());
        _backlog.Send(_server.Sender, new RamRequest(++_requestTag, RefillBits, Core, _requestSlot));
    }

    /// <summary>Sends what found the ring to the server full; true if anything went out.</summary>
    public bool Flush() => _server != null && _backlog.Count > 0 && _backlog.Flush(_server.Sender) > 0;

    /// <summary>
    /// The memory server's core has faulted (its server answers no request): the request in flight, if any, ends now.
    /// If the give had already put its RAM into the request's slot the cache keeps it as a refill; if not, the slot
    /// stays taken for good, since a give the server committed before it faulted may still import RAM into it (unless
    /// the request was still waiting for room in the server's ring: then it is dropped and its slot is free again). Each
    /// waiter is then told, in order: Ok with its reservation where its part fits, <see cref="CapError.CoreFaulted"/>
    /// where not. A grant the server sent before it
    /// faulted, read after this, adds its RAM if the slot's RAM was not kept already, and is otherwise ignored.
    /// </summary>
    public void ServerFaulted()
    {
        if (_server == null || _serverFaulted) return;
        _serverFaulted = true;
        bool unsent = _backlog.Count > 0; // the backlog only ever holds the one request in flight
        _backlog.Clear();
        if (_requesting)
        {
            _requesting = false;
            if (unsent) _freeRootSlots.Push(_requestSlot.L1); // the server never saw it: nothing can arrive in its slot
            else if (!TryKeepRequestedRam()) _abandonedRequest = true;
        }
        while (_waiting.Count > 0)
        {
            var (bytes, ready) = _waiting.Dequeue();
            if (TryCarve(bytes, out var reservation)) ready(CapError.Ok, reservation);
            else ready(CapError.CoreFaulted, null);
        }
    }

    /// <summary>Adds the RAM capability in the request's slot as a refill; false when the slot holds none.</summary>
    bool TryKeepRequestedRam()
    {
        if (_caps.Identify(_space, _requestSlot, out var id) != CapError.Ok || id.Type != CapType.Ram) return false;
        var chunk = new Chunk(_requestSlot, id.Base, id.Size);
        chunk.Free.Add((0, id.Size));
        Add(chunk);
        Refills++;
        return true;
    }

    public bool HasPendingSends => _backlog.Count > 0;

    /// <summary>The receiving end of the binding with the server (the monitor polls it and hands its messages to <see cref="OnServerMessage"/>).</summary>
    public UrpcReceiver? ServerReplies => _server?.Receiver;

    /// <summary>A message from the memory server: a grant (the RAM is already in the requested slot of this CSpace).</summary>
    public void OnServerMessage(in UrpcMessage m)
    {
        if (m.Type != RamGrant.TypeId) throw new InvalidOperationException($"core #{Core}: message type {m.Type} from the memory server is not a RAM grant");
        var g = RamGrant.Decode(in m);
        if (_serverFaulted)
        {
            // Sent before the server's core faulted: the RAM of an abandoned request's grant is in its slot.
            if (_abandonedRequest && g.Tag == _requestTag && g.Error == CapError.Ok && TryKeepRequestedRam()) _abandonedRequest = false;
            return;
        }
        if (!_requesting || g.Tag != _requestTag) throw new InvalidOperationException($"core #{Core}: RAM grant {g.Tag} answers no request in flight");
        _requesting = false;
        if (g.Error != CapError.Ok)
        {
            _freeRootSlots.Push(_requestSlot.L1);
            while (_waiting.Count > 0) _waiting.Dequeue().Ready(g.Error, null);
            return;
        }
        if (_caps.Identify(_space, _requestSlot, out var id) != CapError.Ok || id.Key != g.Ram.Key)
            throw new InvalidOperationException($"core #{Core}: granted RAM {g.Ram.Key} is not in {_requestSlot}");
        var chunk = new Chunk(_requestSlot, id.Base, id.Size);
        chunk.Free.Add((0, id.Size));
        Add(chunk);
        Refills++;
        while (_waiting.Count > 0 && TryCarve(_waiting.Peek().Bytes, out var reservation)) _waiting.Dequeue().Ready(CapError.Ok, reservation);
        if (_waiting.Count > 0 || FreeBytes < LowWater) Refill();
        RefuseUnservable();
    }

    /// <summary>
    /// A CSpace for a dispatcher of this core, with <paramref name="ramBytes"/> of RAM of its own: a root CNode, an L2
    /// CNode for its slots (root slot 1) and a RAM capability (<see cref="CSpace.BootRam"/>), all retyped from this
    /// cache's RAM; the monitor keeps no capability to them. <see cref="CapError.OutOfRam"/> (and nothing handed out)
    /// when they do not fit now: to wait for them, <see cref="Reserve"/> <see cref="SpaceBytes"/> and create the space
    /// from the reservation.
    /// </summary>
    public CapError CreateSpace(ulong ramBytes, out DispatcherMemory memory)
    {
        memory = null!;
        if (ramBytes == 0 || ramBytes % CapTypeRules.PageSize != 0) return CapError.InvalidSize;
        if (_freeRootSlots.Count == 0) return CapError.OutOfSlots;
        int temp = _freeRootSlots.Pop();
        try
        {
            var e = TryRetype(CapType.CNode, CapTypeRules.CNodeGranule, 1, _space, Cptr.Root(temp), out ulong rootBase);
            if (e != CapError.Ok) return e;
            e = _caps.CreateCSpace(_space, Cptr.Root(temp), out var space);
            if (e != CapError.Ok) { _caps.Delete(_space, Cptr.Root(temp)); Release(rootBase, CapTypeRules.CNodeGranule); return e; }
            _caps.Delete(_space, Cptr.Root(temp)); // the dispatcher's root stays the only capability to its CNode
            e = TryRetype(CapType.CNode, CapTypeRules.CNodeGranule, 1, space, DispatcherMemory.SlotsCNode, out ulong l2Base);
            if (e != CapError.Ok) { _caps.DestroyCSpace(space); Release(rootBase, CapTypeRules.CNodeGranule); return e; }
            e = TryRetype(CapType.Ram, ramBytes, 1, space, CSpace.BootRam, out ulong ramBase);
            if (e != CapError.Ok)
            {
                _caps.DestroyCSpace(space);
                Release(rootBase, CapTypeRules.CNodeGranule);
                Release(l2Base, CapTypeRules.CNodeGranule);
                return e;
            }
            memory = new DispatcherMemory(this, _caps, space, [(rootBase, CapTypeRules.CNodeGranule), (l2Base, CapTypeRules.CNodeGranule), (ramBase, ramBytes)]);
            return CapError.Ok;
        }
        finally { _freeRootSlots.Push(temp); }
    }

    /// <summary>
    /// <see cref="CreateSpace(ulong, out DispatcherMemory)"/> from RAM reserved for it: the reservation ends (its bytes
    /// go back to the free ranges) and the space is created at once, so a reservation of at least
    /// <see cref="SpaceBytes"/>(<paramref name="ramBytes"/>) leaves no part of the space without free RAM to come from.
    /// </summary>
    public CapError CreateSpace(RamReservation reservation, ulong ramBytes, out DispatcherMemory memory)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        if (!reservation.IsHeld) throw new InvalidOperationException($"core #{Core}: the reservation of 0x{reservation.Bytes:x} bytes at 0x{reservation.Base:x} was already used or given back");
        Unreserve(reservation);
        return CreateSpace(ramBytes, out memory);
    }

    /// <summary>What <see cref="CreateSpace(ulong, out DispatcherMemory)"/> of <paramref name="ramBytes"/> takes from the cache, at most (what to <see cref="Reserve"/> for it).</summary>
    public static ulong SpaceBytes(ulong ramBytes) => ramBytes + 2 * CapTypeRules.CNodeGranule;
}
