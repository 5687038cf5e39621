using System.Runtime.CompilerServices;
using Multikernel.Urpc;

namespace Benchmarks.Suite;

/// <summary>A URPC sender as the benchmarks use it: the kernel's <see cref="UrpcSender"/>, plus the <see cref="PlantedSendDelay"/>.</summary>
public readonly struct BenchmarkSender(UrpcSender sender)
{
    public UrpcSender Inner => sender;

    /// <summary>Sends (spinning while the ring is full), after the planted delay if one is set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Send<T>(in T message) where T : struct, IUrpcMessage<T>
    {
        if (PlantedSendDelay.Cycles != 0) PlantedSendDelay.Spin();
        sender.Send(in message);
    }

    /// <summary>Sends a message as received (the peer's echo), after the planted delay if one is set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Send(in UrpcMessage message)
    {
        if (PlantedSendDelay.Cycles != 0) PlantedSendDelay.Spin();
        sender.Send(in message);
    }
}
