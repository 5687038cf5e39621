using System.Runtime.InteropServices;

namespace Multikernel.Urpc;

/// <summary>
/// An object passed by reference in a URPC message word: in thread mode every core shares one address space, so a
/// message can name an object (a dispatcher image, a user thread, an exception, a binding) by a GC handle that the
/// receiver takes exactly once. With capabilities and separate processes these become capability references.
/// <para>A handle pins its object until it is taken: a message that will never be handled (its receiver has left, or
/// it was dropped from a backlog at teardown) must still have its handle taken by whoever discards it.</para>
/// </summary>
public static class ObjectHandle
{
    /// <summary>A handle to <paramref name="target"/> to put in a message; the receiver must <see cref="Take{T}"/> it once.</summary>
    public static nint Pass(object target) => GCHandle.ToIntPtr(GCHandle.Alloc(target));

    /// <summary>The object a received handle names; frees the handle.</summary>
    public static T Take<T>(nint handle) where T : class
    {
        var h = GCHandle.FromIntPtr(handle);
        var target = (T)h.Target!;
        h.Free();
        return target;
    }
}
