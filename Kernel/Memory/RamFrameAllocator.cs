using Multikernel.Capabilities;

namespace Multikernel.Memory;

/// <summary>
/// The frame allocator on capabilities: user-level code that holds one RAM capability and hands out page-sized
/// objects of it (Frames and page tables) by <em>retyping</em> one page at a time into slots from a
/// <see cref="SlotAllocator"/>, and takes them back by <em>deleting</em> the capability. The CPU driver checks every
/// retype (the page must lie in the RAM and overlap no live object), so a bookkeeping error here shows up as
/// <see cref="CapError.RevokeFirst"/>, not as two owners of a page.
/// <para>Invariants: every page of the RAM is either free here or the object of exactly one capability this
/// allocator created and has not freed (the slot it made it in is remembered: a copy of it names the same page but
/// is not freed here); single user (the dispatcher that owns the CSpace, on its core).</para>
/// </summary>
public sealed class RamFrameAllocator
{
    readonly CapabilityDriver _caps;
    readonly CSpace _space;
    readonly Cptr _ram;
    readonly SlotAllocator _slots;
    readonly ulong _base;
    readonly Stack<int> _free = new();
    readonly bool[] _allocated;
    readonly Cptr[] _slotOf; // per allocated page: the slot of the capability this allocator made for it

    public int Capacity => _allocated.Length;
    public int FreePages => _free.Count;
    public CSpace Space => _space;
    public CapabilityDriver Driver => _caps;

    /// <param name="ram">A RAM capability in <paramref name="space"/> whose whole range this allocator may retype.</param>
    public RamFrameAllocator(CapabilityDriver caps, CSpace space, Cptr ram, SlotAllocator slots)
    {
        ArgumentNullException.ThrowIfNull(caps);
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(slots);
        var e = caps.Identify(space, ram, out var id);
        if (e != CapError.Ok) throw new ArgumentException($"{ram} does not name a capability: {e}", nameof(ram));
        if (id.Type != CapType.Ram) throw new ArgumentException($"{ram} is a {id.Type} capability, not RAM", nameof(ram));
        _caps = caps;
        _space = space;
        _ram = ram;
        _slots = slots;
        _base = id.Base;
        _allocated = new bool[id.Size / CapTypeRules.PageSize];
        _slotOf = new Cptr[_allocated.Length];
        for (int i = _allocated.Length - 1; i >= 0; i--) _free.Push(i);
    }

    /// <summary>
    /// Retypes one free page into a <paramref name="type"/> object (Frame or a VNode type) and returns its slot. A free
    /// page whose retype is refused with <see cref="CapError.RevokeFirst"/> (a copy of the capability freed there still
    /// names it) is passed over for the next free page, and stays free here for later requests; the refusal is the
    /// answer only when every free page is refused.
    /// </summary>
    public CapError TryAlloc(CapType type, out Cptr cap)
    {
        cap = default;
        if (type != CapType.Frame && !CapTypeRules.IsVNode(type)) return CapError.InvalidRetype;
        if (_free.Count == 0) return CapError.OutOfRam;
        if (!_slots.TryAlloc(out var slot)) return CapError.OutOfSlots;
        List<int>? stillHeld = null;
        int page;
        CapError e;
        do
        {
            page = _free.Pop();
            e = _caps.Retype(_space, _ram, type, (ulong)page * CapTypeRules.PageSize, type == CapType.Frame ? CapTypeRules.PageSize : 0, 1, slot);
            if (e == CapError.RevokeFirst) (stillHeld ??= new()).Add(page);
        }
        while (e == CapError.RevokeFirst && _free.Count > 0);
        if (stillHeld != null)
            for (int i = stillHeld.Count - 1; i >= 0; i--) _free.Push(stillHeld[i]);
        if (e != CapError.Ok)
        {
            if (e != CapError.RevokeFirst) _free.Push(page);
            _slots.Free(slot);
            return e;
        }
        _allocated[page] = true;
        _slotOf[page] = slot;
        cap = slot;
        return CapError.Ok;
    }

    /// <summary>
    /// Deletes a capability this allocator created (unmapping it if mapped) and takes its page back.
    /// <see cref="CapError.WrongType"/>, with nothing deleted, for any other capability, a copy of one it created included
    /// (the page stays in use while the original lives).
    /// </summary>
    public CapError Free(Cptr cap)
    {
        var e = _caps.Identify(_space, cap, out var id);
        if (e != CapError.Ok) return e;
        ulong offset = id.Base - _base;
        if (id.Base < _base || id.Size != CapTypeRules.PageSize || offset / CapTypeRules.PageSize >= (ulong)_allocated.Length
            || !_allocated[offset / CapTypeRules.PageSize] || _slotOf[offset / CapTypeRules.PageSize] != cap)
            return CapError.WrongType;
        e = _caps.Delete(_space, cap);
        if (e != CapError.Ok) return e;
        int page = (int)(offset / CapTypeRules.PageSize);
        _allocated[page] = false;
        _free.Push(page);
        _slots.Free(cap);
        return CapError.Ok;
    }
}
