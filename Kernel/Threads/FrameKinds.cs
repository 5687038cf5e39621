namespace Multikernel.Threads;

/// <summary>
/// The kinds of UTask frame the process has used (one per async method's state machine type), each with the factory
/// of its per-dispatcher <see cref="FrameCache"/>. A scheduler made after a kind was registered starts with a cache of
/// that kind, so a dispatcher of a later multikernel in the same process (an experiment boots one per run) finds its
/// caches ready and its frames in the depots, and its first run allocates no more than a later one.
/// <para>Invariant: kinds are numbered 0, 1, 2, ... in registration order and never removed.</para>
/// </summary>
static class FrameKinds
{
    static readonly Lock s_lock = new();
    static Func<FrameCache>[] s_factories = new Func<FrameCache>[16];
    static int s_count;

    /// <summary>Registers a kind (once, from its frame type's static initialiser) and returns its index.</summary>
    internal static int Register(Func<FrameCache> factory)
    {
        lock (s_lock)
        {
            if (s_count == s_factories.Length) Array.Resize(ref s_factories, 2 * s_count);
            s_factories[s_count] = factory;
            return s_count++;
        }
    }

    /// <summary>A cache of every kind registered so far, indexed by kind.</summary>
    internal static FrameCache[] NewCaches()
    {
        FrameCache[] caches = [];
        Extend(ref caches);
        return caches;
    }

    /// <summary>Extends <paramref name="caches"/> with a cache of every kind registered since it was made.</summary>
    internal static void Extend(ref FrameCache[] caches)
    {
        lock (s_lock)
        {
            int old = caches.Length;
            if (old == s_count) return;
            Array.Resize(ref caches, s_count);
            for (int k = old; k < s_count; k++) caches[k] = s_factories[k]();
        }
    }
}
