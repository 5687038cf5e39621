using System.Diagnostics;
using System.Runtime.CompilerServices;
using Multikernel.Urpc;

namespace IOWebserver;

/// <summary>URPC messages between the HTTP dispatcher and the database dispatcher (descriptors into the HTTP server's transmit pool).</summary>
public static class DatabaseMessages
{
    /// <summary>
    /// HTTP to DB: render the page of item <see cref="Item"/> into transmit buffer <see cref="Buffer"/> (HTTP's pool) at
    /// <see cref="HttpResponses.HeadRoom"/>, for connection <see cref="Connection"/>.
    /// </summary>
    public readonly record struct Query(int Buffer, long Item, ulong Connection, bool KeepAlive) : IUrpcMessage<Query>
    {
        public const byte TypeId = 20;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { w[0] = (ulong)Buffer; w[1] = (ulong)Item; w[2] = Connection; w[3] = KeepAlive ? 1UL : 0; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Query Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new((int)m[0], (long)m[1], m[2], m[3] != 0); }
    }

    /// <summary>DB to HTTP: the body of <see cref="Length"/> bytes is in buffer <see cref="Buffer"/>; <see cref="Status"/> is 200 or 404. Words: buffer, length, connection, status (bits 0-15) and keep-alive (bit 16).</summary>
    public readonly record struct Result(int Buffer, int Length, ulong Connection, int Status, bool KeepAlive) : IUrpcMessage<Result>
    {
        public const byte TypeId = 21;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w)
        {
            Debug.Assert((uint)Status <= 0xFFFF, $"HTTP status {Status} does not fit its 16 bits");
            w[0] = (ulong)Buffer; w[1] = (ulong)Length; w[2] = Connection; w[3] = (ulong)(ushort)Status | (KeepAlive ? 1UL << 16 : 0);
        }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Result Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new((int)m[0], (int)m[1], m[2], (int)(m[3] & 0xFFFF), (m[3] >> 16 & 1) != 0); }
    }
}
