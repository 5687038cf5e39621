using System.Runtime.CompilerServices;
using Multikernel.Hardware;

namespace Fig1.SharedState;

/// <summary>
/// A test-and-test-and-set spin lock whose word sits alone on its own 128-byte block of unmanaged memory: waiters
/// spin reading the word (shared in their caches) and try the atomic exchange only when it reads free.
/// </summary>
public sealed unsafe class TtasSpinLock : IDisposable
{
    int* _word = (int*)NativeBlock.Alloc(CacheLine.PaddedSize);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Enter()
    {
        int* w = _word;
        while (true)
        {
            if (Volatile.Read(ref *w) == 0 && Interlocked.Exchange(ref *w, 1) == 0) return;
            while (Volatile.Read(ref *w) != 0) Thread.SpinWait(1);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Exit() => Volatile.Write(ref *_word, 0);

    public void Dispose()
    {
        if (_word == null) return;
        NativeBlock.Free(_word, CacheLine.PaddedSize);
        _word = null;
    }
}
