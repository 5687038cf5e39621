namespace Multikernel.Threads;

/// <summary>A dispatcher's cache of idle frames of one kind, as its scheduler sees it.</summary>
abstract class FrameCache
{
    /// <summary>Moves every idle frame of this cache to its kind's depot.</summary>
    internal abstract void ReturnToDepot();
}

/// <summary>
/// One dispatcher's idle frames of one kind: a stack used without a lock (only its dispatcher's core touches it),
/// fixed at <see cref="Capacity"/> frames so that keeping a frame never allocates; beyond that frames go to the depot.
/// </summary>
sealed class FrameCache<TFrame>(FrameDepot<TFrame> depot) : FrameCache where TFrame : class
{
    internal const int Capacity = 32;

    readonly TFrame?[] _frames = new TFrame?[Capacity];
    int _count;

    internal int Count => _count;

    internal TFrame? TryPop()
    {
        if (_count == 0) return null;
        var f = _frames[--_count];
        _frames[_count] = null;
        return f;
    }

    internal bool TryPush(TFrame frame)
    {
        if (_count == Capacity) return false;
        _frames[_count++] = frame;
        return true;
    }

    internal override void ReturnToDepot()
    {
        while (_count > 0)
        {
            var f = _frames[--_count]!;
            _frames[_count] = null;
            depot.Give(f);
        }
    }
}
