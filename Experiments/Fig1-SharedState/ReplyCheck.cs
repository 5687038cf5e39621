using System.Runtime.CompilerServices;
using Multikernel.Urpc;

namespace Fig1.SharedState;

/// <summary>
/// A client's check of the server's replies, the same for both MSG clients: every reply answers the oldest
/// outstanding request (replies come back in order on a FIFO ring), the first and last line carry the same value (the
/// server applied the update to all n lines), and the value grows from reply to reply (the server serialises
/// updates). Keeps the first inconsistency, the number of replies and the sum of the applied values.
/// </summary>
public struct ReplyCheck(string who)
{
    readonly string _who = who;
    ulong _nextTag, _lastValue;

    public long Replies { get; private set; }
    /// <summary>Sum of the applied values (the first line) over all replies.</summary>
    public ulong ValueSum { get; private set; }
    public string? Failure { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Check(in UrpcMessage m)
    {
        if (m.Type != UpdateProtocol.Reply.TypeId) { NoteFailure(in m); return; }
        var reply = UpdateProtocol.Reply.Decode(in m);
        ulong value = reply.FirstLine;
        if (reply.Tag != _nextTag || reply.LastLine != value || value <= _lastValue) NoteFailure(in m);
        _nextTag++;
        _lastValue = value;
        ValueSum += value;
        Replies++;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    void NoteFailure(in UrpcMessage m) =>
        Failure ??= $"{_who}: reply type {m.Type} tag {m[0]} (expected {_nextTag}), first line {m[1]}, last line {m[2]}, previous value {_lastValue}";
}
