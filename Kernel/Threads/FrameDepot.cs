using System.Diagnostics;

namespace Multikernel.Threads;

/// <summary>
/// The idle frames of one kind that no dispatcher's cache holds, shared by all cores under a lock (taken only when a
/// cache is empty or full, and when a dispatcher leaves), up to <see cref="Capacity"/> frames; beyond that
/// a frame is left to the garbage collector, so a burst of blocked threads does not pin memory for good.
/// </summary>
sealed class FrameDepot<TFrame> where TFrame : class
{
    internal const int Capacity = 4096;

    readonly Lock _lock = new();
    TFrame[] _frames = new TFrame[16];
    int _count;

    internal int Count
    {
        get { lock (_lock) return _count; }
    }

    internal TFrame? TryTake()
    {
        lock (_lock)
        {
            if (_count == 0) return null;
            var f = _frames[--_count];
            _frames[_count] = null!;
            return f;
        }
    }

    internal void Give(TFrame frame)
    {
        lock (_lock)
        {
            if (_count == Capacity) return;
            if (_count == _frames.Length) Array.Resize(ref _frames, Math.Min(2 * _count, Capacity));
            _frames[_count++] = frame;
            Debug.Assert(_count <= Capacity);
        }
    }
}
