namespace Multikernel.Threads;

/// <summary>
/// One kind of wait on a threads-package primitive, as <see cref="ParkingAwaitable{TWait}"/> performs it: a small
/// struct naming the primitive (and what the wait needs of it), whose <see cref="CompleteOrQueue"/> runs under the
/// primitive's own lock.
/// </summary>
public interface IParkingWait
{
    /// <summary>
    /// Either completes the wait for <paramref name="current"/> at once and returns true (the thread goes on without
    /// parking), or queues it where the primitive's waker will find it and returns false (the awaiter then parks it).
    /// </summary>
    bool CompleteOrQueue(UThread current);
}
