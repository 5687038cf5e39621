using Multikernel.Net.Stack;
using Multikernel.Urpc;

namespace Multikernel.Net.Cores;

/// <summary>
/// What runs on the stack core above the <see cref="NetStack"/>: an echo service, or a bridge that serves the stack's
/// TCP connections to a server on another core. Called only on the stack core's thread.
/// </summary>
public interface INetApplication
{
    /// <summary>Once, on the stack core before the first frame: bind ports, add receivers to the core's waitset.</summary>
    void OnStart(NetStack stack, Waitset waitset);

    /// <summary>Each round after the received frames and before the stack flushes TCP output; true if it made progress.</summary>
    bool Run(NetStack stack);

    /// <summary>True when it has work that needs no message or frame (a send waiting for ring room); keeps the core from sleeping.</summary>
    bool HasWork { get; }
}
