using System.Diagnostics;
using System.Runtime.CompilerServices;
using Multikernel.CoreProcesses;
using Multikernel.CpuDriver;
using Multikernel.Urpc;

namespace Multikernel.Monitor;

/// <summary>
/// The monitor-to-monitor protocol (on the bindings between every pair of monitors) and the host port protocol (host
/// to one monitor). Types from <see cref="FirstExtension"/> up are free for services layered on the monitors
/// (agreement, TLB shootdown, ...). A GC handle in a message names an object in the one shared address space of
/// thread mode (a dispatcher image, an exception, a binding); with capabilities these become capability references.
/// Process mode never sends a handle: images and requests travel as the id of a name registered in the
/// <see cref="CoreProcesses.CoreProgram"/>, bindings as ring offsets in the shared region, errors as the code of a text
/// the failing core kept in the region (<see cref="HostRequest"/>, <see cref="HostSpawn"/>, <see cref="HostReply"/>,
/// <see cref="RegionBindReply"/>).
/// </summary>
public static class MonitorMessages
{
    public const byte FirstExtension = 32;

    /// <summary>Is the monitor of the receiving core alive? Answered with <see cref="Pong"/>.</summary>
    public readonly record struct Ping(ulong Token, int SenderCore) : IUrpcMessage<Ping>
    {
        public const byte TypeId = 1;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { w[0] = Token; w[1] = (ulong)SenderCore; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Ping Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new(m[0], (int)m[1]); }
    }

    /// <summary>The answer to a <see cref="Ping"/> with its token.</summary>
    public readonly record struct Pong(ulong Token, int SenderCore) : IUrpcMessage<Pong>
    {
        public const byte TypeId = 2;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { w[0] = Token; w[1] = (ulong)SenderCore; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Pong Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new(m[0], (int)m[1]); }
    }

    /// <summary>Start a dispatcher on the receiving core: <see cref="Image"/> is the GC handle of its factory (code plus read-only data).</summary>
    public readonly record struct SpawnRequest(ulong RequestId, nint Image) : IUrpcMessage<SpawnRequest>
    {
        public const byte TypeId = 3;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { w[0] = RequestId; w[1] = (ulong)Image; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static SpawnRequest Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new(m[0], (nint)m[1]); }
    }

    /// <summary>The outcome of a <see cref="SpawnRequest"/>: the new dispatcher's id, or (<see cref="Error"/> ≠ 0) the GC handle of the exception.</summary>
    public readonly record struct SpawnReply(ulong RequestId, DispatcherId Dispatcher, nint Error) : IUrpcMessage<SpawnReply>
    {
        public const byte TypeId = 4;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { w[0] = RequestId; w[1] = Dispatcher.Pack(); w[2] = (ulong)Error; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static SpawnReply Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new(m[0], DispatcherId.Unpack(m[1]), (nint)m[2]); }
    }

    /// <summary>Host port only: run the call whose GC handle is <see cref="Call"/> on the receiving monitor.</summary>
    public readonly record struct HostCall(nint Call) : IUrpcMessage<HostCall>
    {
        public const byte TypeId = 5;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) => w[0] = (ulong)Call;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static HostCall Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new((nint)m[0]); }
    }

    /// <summary>Host port only: stop this core.</summary>
    public readonly record struct Shutdown : IUrpcMessage<Shutdown>
    {
        public const byte TypeId = 6;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Shutdown Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return default; }
    }

    /// <summary>
    /// Bind: the sending core's monitor asks the receiving core's monitor for a binding of <see cref="Slots"/> slots
    /// each way between the two cores. The receiver allocates both rings, each on its receiver's NUMA node, and
    /// answers with <see cref="BindReply"/>.
    /// </summary>
    public readonly record struct BindRequest(ulong RequestId, int Slots) : IUrpcMessage<BindRequest>
    {
        public const byte TypeId = 7;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { w[0] = RequestId; w[1] = (ulong)Slots; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static BindRequest Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new(m[0], (int)m[1]); }
    }

    /// <summary>
    /// The outcome of a <see cref="BindRequest"/>: the GC handle of the new <see cref="UrpcBinding"/> (whose client end
    /// is the requester's), or (<see cref="Error"/> ≠ 0) the GC handle of the exception. With capabilities the
    /// binding's frames travel as Frame capabilities instead.
    /// </summary>
    public readonly record struct BindReply(ulong RequestId, nint Binding, nint Error) : IUrpcMessage<BindReply>
    {
        public const byte TypeId = 8;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { w[0] = RequestId; w[1] = (ulong)Binding; w[2] = (ulong)Error; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static BindReply Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new(m[0], (nint)m[1], (nint)m[2]); }
    }

    /// <summary>Host port: run the request registered as <see cref="Name"/> (its id) on the receiving monitor with <see cref="Args"/>; answered with <see cref="HostReply"/>.</summary>
    public readonly record struct HostRequest(ulong RequestId, ulong Name, CoreArgs Args) : IUrpcMessage<HostRequest>
    {
        public const byte TypeId = 9;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { w[0] = RequestId; w[1] = Name; w[2] = Args.W0; w[3] = Args.W1; w[4] = Args.W2; w[5] = Args.W3; w[6] = Args.W4; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static HostRequest Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new(m[0], m[1], new(m[2], m[3], m[4], m[5], m[6])); }
    }

    /// <summary>Host port: start a dispatcher from the image registered as <see cref="Image"/> (its id) on the receiving core; answered with <see cref="HostReply"/> (word 0: the packed <see cref="DispatcherId"/>).</summary>
    public readonly record struct HostSpawn(ulong RequestId, ulong Image, CoreArgs Args) : IUrpcMessage<HostSpawn>
    {
        public const byte TypeId = 10;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { w[0] = RequestId; w[1] = Image; w[2] = Args.W0; w[3] = Args.W1; w[4] = Args.W2; w[5] = Args.W3; w[6] = Args.W4; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static HostSpawn Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new(m[0], m[1], new(m[2], m[3], m[4], m[5], m[6])); }
    }

    /// <summary>
    /// Reply port (core to host): the answer to request <see cref="RequestId"/>: <see cref="Status"/> 0 and five result
    /// words, or the code of the error text the core kept in the shared region.
    /// </summary>
    public readonly record struct HostReply(ulong RequestId, int Status, CoreArgs Result) : IUrpcMessage<HostReply>
    {
        public const byte TypeId = 11;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { w[0] = RequestId; w[1] = (ulong)Status; w[2] = Result.W0; w[3] = Result.W1; w[4] = Result.W2; w[5] = Result.W3; w[6] = Result.W4; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static HostReply Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new(m[0], (int)m[1], new(m[2], m[3], m[4], m[5], m[6])); }
    }

    /// <summary>
    /// Process mode's answer to a <see cref="BindRequest"/>: the offsets of the binding's two rings in the shared region
    /// (the ring into the server, the ring into the client) and their size, or (<see cref="Status"/> ≠ 0) the code of
    /// the error text the serving core kept in the region.
    /// </summary>
    public readonly record struct RegionBindReply(ulong RequestId, long ToServer, long ToClient, int Slots, int Status) : IUrpcMessage<RegionBindReply>
    {
        public const byte TypeId = 12;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { w[0] = RequestId; w[1] = (ulong)ToServer; w[2] = (ulong)ToClient; w[3] = (ulong)Slots; w[4] = (ulong)Status; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static RegionBindReply Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new(m[0], (long)m[1], (long)m[2], (int)m[3], (int)m[4]); }
    }
}
