using System.Runtime.InteropServices;
using Multikernel.Hardware;

namespace Multikernel.Urpc;

/// <summary>
/// The modelled inter-processor interrupt: a futex word, alone on its own padded line, owned by one receiving core.
/// The receiver announces that it is about to block by setting the word to <see cref="Sleeping"/>, re-checks its
/// channels, then waits; a sender that finds the word set after publishing a message wakes it.
/// <para>Invariant: a wake-up is never lost for longer than <see cref="MaxSleep"/>. The sender reads the word
/// without a full fence (a fence per message would cost more than the message), so on x86 its read can pass its
/// own header store; the receiver's wait is therefore bounded, and a missed wake-up costs at most one timeout.</para>
/// <para>In thread mode the notifier owns its word (process-private futex). In process mode every process that
/// sends to a core holds its own view of that core's word in the shared region (<see cref="CoreProcesses.SharedRegion"/>),
/// and waits and wakes use the shared futex operations, which reach across address spaces; a view never frees the word.</para>
/// </summary>
public sealed unsafe partial class Notifier : IDisposable
{
    public const int Awake = 0, Sleeping = 1;
    /// <summary>Upper bound on one blocked wait; bounds the delay of a wake-up lost to the race above.</summary>
    public static readonly TimeSpan MaxSleep = TimeSpan.FromMilliseconds(2);

    readonly int* _word;
    readonly bool _ownsWord;
    readonly int _waitOp, _wakeOp;
    long _wakeups;

    public Notifier() : this((int*)NativeBlock.Alloc(CacheLine.PaddedSize), ownsWord: true, crossProcess: false) { }

    /// <summary>A view of a word in memory shared between processes (process mode); the word outlives the view.</summary>
    internal Notifier(int* sharedWord) : this(sharedWord, ownsWord: false, crossProcess: true) { }

    Notifier(int* word, bool ownsWord, bool crossProcess)
    {
        _word = word;
        _ownsWord = ownsWord;
        _waitOp = crossProcess ? FUTEX_WAIT : FUTEX_WAIT_PRIVATE;
        _wakeOp = crossProcess ? FUTEX_WAKE : FUTEX_WAKE_PRIVATE;
    }

    /// <summary>Number of futex wake calls made for this notifier (senders that found the receiver asleep).</summary>
    public long Wakeups => Interlocked.Read(ref _wakeups);

    /// <summary>The futex word itself (alone on its padded line), for a sender that checks it after every publish.</summary>
    internal int* Word => _word;

    /// <summary>True when the owner is (about to be) blocked; read by senders after each publish.</summary>
    public bool IsSleeping => Volatile.Read(ref *_word) == Sleeping;

    /// <summary>Sender side: wakes the owner if it sleeps.</summary>
    public void Wake()
    {
        if (Interlocked.Exchange(ref *_word, Awake) == Sleeping)
        {
            Interlocked.Increment(ref _wakeups);
            Futex(_word, _wakeOp, 1, null);
        }
    }

    /// <summary>Owner side, step 1: announce the intent to sleep (a full fence, so later channel checks are ordered after it).</summary>
    public void PrepareToSleep() => Interlocked.Exchange(ref *_word, Sleeping);

    /// <summary>Owner side: cancel a sleep after <see cref="PrepareToSleep"/> found work.</summary>
    public void CancelSleep() => Volatile.Write(ref *_word, Awake);

    /// <summary>Owner side, step 2: block until woken or <paramref name="timeout"/> (at most <see cref="MaxSleep"/>) passes.</summary>
    public void Sleep(TimeSpan? timeout = null)
    {
        var t = timeout is { } x && x < MaxSleep ? x : MaxSleep;
        Timespec ts = new() { Seconds = 0, Nanoseconds = (long)(t.TotalMilliseconds * 1_000_000) };
        if (Volatile.Read(ref *_word) == Sleeping) Futex(_word, _waitOp, Sleeping, &ts);
        Volatile.Write(ref *_word, Awake);
    }

    /// <summary>
    /// Owner side, step 2, for a waiter that is not a core (the process-mode boot process's supervisor): block until
    /// woken or <paramref name="timeout"/> passes, however long; a wake-up lost to the unfenced sender check then
    /// costs up to that timeout, which such a waiter accepts in exchange for fewer wake-ups of its own.
    /// </summary>
    internal void SleepUpTo(TimeSpan timeout)
    {
        Timespec ts = new() { Seconds = (long)timeout.TotalSeconds, Nanoseconds = (long)(timeout.TotalMilliseconds % 1000 * 1_000_000) };
        if (Volatile.Read(ref *_word) == Sleeping) Futex(_word, _waitOp, Sleeping, &ts);
        Volatile.Write(ref *_word, Awake);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_ownsWord) NativeBlock.Free(_word, CacheLine.PaddedSize);
    }
    bool _disposed;

    [StructLayout(LayoutKind.Sequential)]
    struct Timespec { public long Seconds; public long Nanoseconds; }

    const int FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_WAIT_PRIVATE = 128, FUTEX_WAKE_PRIVATE = 129;
    static readonly long SYS_futex = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 98 : 202;

    [LibraryImport("libc", EntryPoint = "syscall")]
    private static partial long FutexSyscall(long number, int* uaddr, int op, int val, Timespec* timeout, nint uaddr2, int val3);

    static void Futex(int* word, int op, int val, Timespec* timeout) => FutexSyscall(SYS_futex, word, op, val, timeout, 0, 0);
}
