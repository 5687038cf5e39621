using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Splash.Radiosity;

/// <summary>
/// Storage for one kind of RADIOSITY object, addressed by index (0 is never used, so a zeroed link means "none"):
/// chunks of 16384 entries, created as the run needs them and kept for the next run, so once a first run has sized it
/// a later run allocates nothing. Entries never move, so readers on other threads hold indices, not references, and
/// a chunk is published (under the lock of whoever reserves entries in it) before any index into it is handed out.
/// Not synchronised: <see cref="Reserve"/> is called under the lock that guards the object kind's free list.
/// </summary>
public sealed class Arena<T> where T : struct
{
    const int ChunkBits = 14, ChunkSize = 1 << ChunkBits, ChunkMask = ChunkSize - 1;

    readonly T[]?[] _chunks;
    int _next = 1;

    public Arena(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _chunks = new T[]?[(capacity >> ChunkBits) + 1];
    }

    /// <summary>Most entries the arena may hold.</summary>
    public int Capacity { get; }

    /// <summary>Entries handed out since the last <see cref="Reset"/> (plus the unused entry 0).</summary>
    public int Used => _next;

    /// <summary>Entry <paramref name="index"/>, which must have been reserved (not checked in release builds: the hot loops index arenas).</summary>
    public ref T this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            Debug.Assert(index > 0 && index < _next, $"arena index {index} not reserved (1..{_next - 1})");
            var chunk = Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_chunks), index >> ChunkBits);
            return ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(chunk!), index & ChunkMask);
        }
    }

    /// <summary>Reserves <paramref name="count"/> consecutive indices and returns the first (entries are not cleared).</summary>
    public int Reserve(int count, string what)
    {
        int first = _next;
        if ((long)first + count > Capacity)
            throw new InvalidOperationException($"RADIOSITY: ran out of {what} ({Capacity} at most)");
        int last = first + count - 1;
        for (int c = first >> ChunkBits; c <= last >> ChunkBits; c++) _chunks[c] ??= new T[ChunkSize];
        _next = first + count;
        return first;
    }

    /// <summary>Forgets every entry (the chunks stay allocated for the next run).</summary>
    public void Reset() => _next = 1;
}
