namespace Multikernel.Threads;

/// <summary>
/// Marks an awaiter of the threads package. A <see cref="UTask"/> method may await only these: each one parks the
/// current user thread in its dispatcher's scheduler, so the continuation runs later on that dispatcher's core
/// thread. Any other awaiter (a <see cref="Task"/>, <c>Task.Yield</c>, a timer) would resume on some other OS
/// thread, so <see cref="UTaskMethodBuilder{T}"/> refuses it.
/// </summary>
public interface IUAwaiter
{
}
