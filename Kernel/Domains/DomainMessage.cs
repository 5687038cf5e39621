namespace Multikernel.Domains;

/// <summary>
/// Message types on the URPC bindings between the dispatchers of one domain (the threads package's own protocol),
/// and on the host port into the domain's first dispatcher.
/// </summary>
static class DomainMessage
{
    // Between dispatchers. The sender is known from the channel a message arrives on.
    public const byte Wake = 1;          // w0: thread slot on the receiver
    public const byte SpawnThread = 2;   // w0: GC handle of the new UThread
    public const byte Fork = 3;          // w0: job slot on the sender (master), w1: job sequence, w2: first chunk, w3: end chunk
    public const byte StealRequest = 4;  // w0: master index, w1: job slot, w2: job sequence
    public const byte StealReply = 5;    // w0: master index, w1: job slot, w2: job sequence, w3: first chunk, w4: end chunk (empty: none)
    public const byte Finished = 6;      // w0: job slot on the receiver (master), w1: job sequence
    public const byte Stop = 7;          // from dispatcher 0: leave your core
    public const byte Stopped = 8;       // to dispatcher 0: done, no further message follows

    // Host port (host -> dispatcher 0).
    public const byte HostStartMain = 1; // w0: GC handle of the main-thread request
    public const byte HostStop = 2;      // w0: GC handle of the completion to signal once every dispatcher has left
}
