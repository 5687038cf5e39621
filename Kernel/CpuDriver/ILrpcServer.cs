using Multikernel.Urpc;

namespace Multikernel.CpuDriver;

/// <summary>A dispatcher that accepts same-core LRPC calls.</summary>
public interface ILrpcServer
{
    /// <summary>Handles one call; arguments and results are register-sized words, as in an LRPC that passes them in registers.</summary>
    void OnLrpc(in UrpcPayload args, ref UrpcPayload result);
}
