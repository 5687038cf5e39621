namespace Multikernel.Tests;

/// <summary>LRPC into a callee that has left its core: the CPU driver refuses the call, whose endpoint was never revoked.</summary>
public class LrpcRetiredCalleeTests
{
    sealed class Client : Dispatcher
    {
        public Client() : base("client") { }
    }

    /// <summary>
    /// A dispatcher retired from its core gets no further upcall (CpuDriverThread.Retire), and during a call the callee
    /// is the core's current dispatcher (LrpcBinding.TryCall): a call through a binding whose callee was retired without
    /// its endpoints being revoked is refused with DispatcherState and never runs the callee's handler.
    /// </summary>
    [Fact]
    public async Task ACallIntoARetiredCalleeIsRefusedAndRunsNothing()
    {
        var adder = new AddingLrpcServer();
        var client = new Client();
        using var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = [CoreAffinity.AllowedCpus()[0]] });
        await mk.SpawnAsync(0, 0, () => adder);
        await mk.SpawnAsync(0, 0, () => client);
        var (before, after, thrown) = await mk.CallOn(0, m =>
        {
            var binding = m.BindLrpc(client, adder);
            UrpcPayload a = default;
            a[0] = 1; a[1] = 2;
            var first = binding.TryCall(in a, out _);
            m.Driver.Retire(adder);   // leaves the core; its endpoint stays live
            var second = binding.TryCall(in a, out var r);
            string message = Record.Exception(() => binding.Call(in a))?.Message ?? "no error";
            return (first, (second, r[1]), message);
        });
        Assert.Equal(CapError.Ok, before);
        Assert.True(after.second == CapError.DispatcherState,
            $"a call into a retired callee returned {after.second} (its handler ran {(after.Item2 == 1 ? "as" : "without being")} the current dispatcher), not DispatcherState");
        Assert.Contains("left", thrown);
        Assert.Equal(1, adder.Calls);
    }
}
