using System.Runtime.CompilerServices;

namespace Multikernel.Threads;

/// <summary>A <see cref="UTask"/> that returns a <typeparamref name="T"/>.</summary>
[AsyncMethodBuilder(typeof(UTaskMethodBuilder<>))]
public readonly struct UTask<T>
{
    internal readonly UFrame<T>? Frame;
    readonly int _version;
    readonly T _result;

    internal UTask(UFrame<T> frame, int version)
    {
        Frame = frame;
        _version = version;
        _result = default!;
    }

    public UTask(T result)
    {
        Frame = null;
        _version = 0;
        _result = result;
    }

    public bool IsCompleted => Frame == null || Frame.IsCompletedFor(_version);

    public UTaskAwaiter<T> GetAwaiter() => new(Frame, _version, _result);
}
