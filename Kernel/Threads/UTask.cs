using System.Runtime.CompilerServices;

namespace Multikernel.Threads;

/// <summary>
/// The task type of user-thread code: an <c>async UTask</c> method is a call inside the current user thread. It runs
/// synchronously until it awaits a threads-package primitive that cannot proceed; then the thread parks in its
/// dispatcher's run queue and the core thread goes on with other work (no OS thread per user thread, no thread
/// pool). A UTask is awaited once, by the thread that called the method. Completing without suspending allocates
/// nothing; a suspended call's frame is reused once its result has been read, so a UTask is awaited once (a second
/// await is refused). The execution context does not flow across these awaits (AsyncLocal values are not carried).
/// </summary>
[AsyncMethodBuilder(typeof(UTaskMethodBuilder))]
public readonly struct UTask
{
    internal readonly UFrame<VoidResult>? Frame;
    /// <summary>The use of <see cref="Frame"/> this task stands for (see <see cref="UFrame{T}.Version"/>).</summary>
    internal readonly int Version;

    internal UTask(UFrame<VoidResult>? frame, int version)
    {
        Frame = frame;
        Version = version;
    }

    public static UTask CompletedTask => default;

    public bool IsCompleted => Frame == null || Frame.IsCompletedFor(Version);

    public UTaskAwaiter GetAwaiter() => new(Frame, Version);
}
