namespace Multikernel.Tests;

/// <summary>
/// A same-core LRPC server for the tests: answers word 0 with the sum of the call's words 0 and 1, and word 1 with
/// whether it ran as its core's current dispatcher during the call (1) or not (0); counts its calls.
/// </summary>
sealed class AddingLrpcServer : Dispatcher, ILrpcServer
{
    public AddingLrpcServer() : base("adder") { }
    public int Calls;
    public void OnLrpc(in UrpcPayload args, ref UrpcPayload result)
    {
        Calls++;
        result[0] = args[0] + args[1];
        result[1] = (ulong)(Driver.CurrentDispatcher == this ? 1 : 0);
    }
}
