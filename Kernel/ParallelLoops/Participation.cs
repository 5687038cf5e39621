using System.Diagnostics;
namespace Multikernel.ParallelLoops;

/// <summary>
/// One dispatcher's part in one fork-join region while it runs it: the chunks it still owns ([Next, End)), chunks
/// other dispatchers gave it, and the steal requests it has out.
/// <para>Invariant: core-local. A steal request is answered only between chunks (from the dispatcher's own poll),
/// by moving the upper half of [Next, End) to the thief, so a chunk is owned by exactly one dispatcher and runs
/// exactly once.</para>
/// </summary>
sealed class Participation
{
    internal ForkJoinJob Job = null!;
    internal int Master, Slot;
    internal uint Seq;
    internal int Next, End;
    (int First, int End)[] _gifts = new (int, int)[4];
    internal int GiftCount;
    internal int OutstandingSteals;

    internal void Reset(ForkJoinJob job, int master, int slot, uint seq, int first, int end)
    {
        Job = job;
        Master = master;
        Slot = slot;
        Seq = seq;
        Next = first;
        End = end;
        GiftCount = 0;
        OutstandingSteals = 0;
        AssertInvariants();
    }

    internal bool Is(int master, int slot, uint seq) => Master == master && Slot == slot && Seq == seq;

    internal void AddGift(int first, int end)
    {
        if (GiftCount == _gifts.Length) Array.Resize(ref _gifts, _gifts.Length * 2);
        _gifts[GiftCount++] = (first, end);
    }

    /// <summary>Makes the most recent gift the current range; false if there is none.</summary>
    internal bool TakeGift()
    {
        if (GiftCount == 0) return false;
        (Next, End) = _gifts[--GiftCount];
        AssertInvariants();
        return true;
    }

    /// <summary>Gives away the upper half of the current range (at least one chunk stays); false if fewer than two remain.</summary>
    internal bool Split(out int first, out int end)
    {
        int left = End - Next;
        if (left < 2) { first = end = 0; return false; }
        end = End;
        first = End - left / 2;
        End = first;
        AssertInvariants();
        return true;
    }

    /// <summary>The current range is well formed and nothing is owed (checked in Debug builds).</summary>
    [Conditional("DEBUG")]
    void AssertInvariants() =>
        Debug.Assert(Next <= End && GiftCount >= 0 && OutstandingSteals >= 0, $"participation: range [{Next}, {End}), {GiftCount} gifts, {OutstandingSteals} steals out");

    internal void Clear() => Job = null!;
}
