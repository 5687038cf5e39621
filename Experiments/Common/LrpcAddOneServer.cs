using System.Runtime.CompilerServices;
using Multikernel.CpuDriver;
using Multikernel.Urpc;

namespace Experiments.Common;

/// <summary>
/// The callee of the same-core LRPC measurements (Fig 1's LRPC point and the benchmark suite's LrpcCpuDriver): a
/// dispatcher that answers its argument plus one and counts its calls. <see cref="CallMany"/> is the measured loop.
/// </summary>
public sealed class LrpcAddOneServer(string name = "lrpc-add-one") : Dispatcher(name), ILrpcServer
{
    public long Calls { get; private set; }

    public void OnLrpc(in UrpcPayload args, ref UrpcPayload result)
    {
        Calls++;
        result[0] = args[0] + 1;
    }

    /// <summary>Makes <paramref name="count"/> calls through <paramref name="binding"/> (arguments 0, 1, ...); returns how many results were not argument + 1.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static long CallMany(LrpcBinding binding, int count)
    {
        long wrong = 0;
        UrpcPayload args = default;
        for (int i = 0; i < count; i++)
        {
            args[0] = (ulong)i;
            var result = binding.Call(in args);
            if (result[0] != (ulong)i + 1) wrong++;
        }
        return wrong;
    }
}
