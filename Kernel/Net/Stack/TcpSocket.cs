namespace Multikernel.Net.Stack;

/// <summary>
/// The application's handle on one accepted connection: a slot of the connection table and the slot's generation, so
/// a handle to a connection that has been freed (and its slot reused) is refused instead of reaching a stranger.
/// <c>default</c> is never valid (generations start at 1).
/// </summary>
public readonly record struct TcpSocket(int Slot, int Generation);
