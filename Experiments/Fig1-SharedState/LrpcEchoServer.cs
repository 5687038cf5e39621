using Multikernel.CpuDriver;
using Multikernel.Urpc;

namespace Fig1.SharedState;

/// <summary>The callee of the LRPC benchmark: returns its argument plus one, and counts calls.</summary>
public sealed class LrpcEchoServer : Dispatcher, ILrpcServer
{
    public LrpcEchoServer() : base("lrpc-callee") { }
    public long Calls { get; private set; }

    public void OnLrpc(in UrpcPayload args, ref UrpcPayload result)
    {
        Calls++;
        result[0] = args[0] + 1;
    }
}
