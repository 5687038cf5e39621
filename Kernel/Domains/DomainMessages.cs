using System.Diagnostics;
using System.Runtime.CompilerServices;
using Multikernel.Urpc;

namespace Multikernel.Domains;

/// <summary>
/// The domain's own protocol: the threads package's messages on the URPC bindings between the dispatchers of one
/// domain (the sender is known from the binding a message arrives on), and the host port into dispatcher 0. Types
/// from <see cref="FirstLayerType"/> up belong to layers above the domain (<see cref="IDomainLayer"/>, e.g.
/// fork-join loops). A GC handle names an object in the domain's one address space.
/// </summary>
public static class DomainMessages
{
    /// <summary>The first message type a layer above the domain may own.</summary>
    public const byte FirstLayerType = 16;

    /// <summary>Make the receiver's thread in scheduler slot <see cref="Slot"/> ready.</summary>
    public readonly record struct Wake(int Slot) : IUrpcMessage<Wake>
    {
        public const byte TypeId = 1;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) => w[0] = (ulong)Slot;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Wake Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new((int)m[0]); }
    }

    /// <summary>Adopt and start the user thread whose GC handle is <see cref="Thread"/>.</summary>
    public readonly record struct SpawnThread(nint Thread) : IUrpcMessage<SpawnThread>
    {
        public const byte TypeId = 2;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) => w[0] = (ulong)Thread;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static SpawnThread Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new((nint)m[0]); }
    }

    /// <summary>From dispatcher 0: leave your core.</summary>
    public readonly record struct Stop : IUrpcMessage<Stop>
    {
        public const byte TypeId = 7;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Stop Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return default; }
    }

    /// <summary>To dispatcher 0: done, no further message follows.</summary>
    public readonly record struct Stopped : IUrpcMessage<Stopped>
    {
        public const byte TypeId = 8;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Stopped Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return default; }
    }

    /// <summary>Host port: run the main-thread request whose GC handle is <see cref="Request"/>.</summary>
    public readonly record struct HostStartMain(nint Request) : IUrpcMessage<HostStartMain>
    {
        public const byte TypeId = 1;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) => w[0] = (ulong)Request;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static HostStartMain Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new((nint)m[0]); }
    }

    /// <summary>Host port: tear the domain down and complete the task whose GC handle is <see cref="Completion"/> once every dispatcher has left.</summary>
    public readonly record struct HostStop(nint Completion) : IUrpcMessage<HostStop>
    {
        public const byte TypeId = 2;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) => w[0] = (ulong)Completion;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static HostStop Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new((nint)m[0]); }
    }
}
