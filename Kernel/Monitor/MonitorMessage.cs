namespace Multikernel.Monitor;

/// <summary>Message types of the monitor-to-monitor protocol. Types from <see cref="FirstExtension"/> up are free for services layered on the monitors (agreement, TLB shootdown, ...).</summary>
public static class MonitorMessage
{
    public const byte Ping = 1;          // w0: token, w1: sender core index
    public const byte Pong = 2;          // w0: token, w1: sender core index
    public const byte SpawnRequest = 3;  // w0: request id, w1: handle of the dispatcher image (factory)
    public const byte SpawnReply = 4;    // w0: request id, w1: 0 ok / 1 failed, w2: dispatcher id or handle of the exception
    public const byte HostCall = 5;      // host port only. w0: handle of the call
    public const byte Shutdown = 6;      // host port only
    public const byte FirstExtension = 32;
}

/// <summary>Outcome of a spawn: the new dispatcher's id, or why it failed.</summary>
public readonly record struct SpawnResult(DispatcherIdOrError Value)
{
    public bool Ok => Value.Error == null;
}

/// <summary>A dispatcher id or the exception that stopped the spawn.</summary>
public readonly record struct DispatcherIdOrError(CpuDriver.DispatcherId Id, Exception? Error);
