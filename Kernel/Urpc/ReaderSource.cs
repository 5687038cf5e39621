namespace Multikernel.Urpc;

/// <summary>A receiving end as a waitset event source: one poll takes and handles at most one message.</summary>
abstract class ReaderSource(UrpcReader reader) : IEventSource
{
    public UrpcReader Reader => reader;

    public abstract bool PollOnce();

    public bool HasEvent() => reader.HasMessage();

    public void AttachNotifier(Notifier? notifier) => reader.Notifier = notifier;
}

/// <summary>A receiving end with its handler.</summary>
sealed class HandledReaderSource(UrpcReader reader, UrpcHandler handler) : ReaderSource(reader)
{
    public override bool PollOnce()
    {
        if (!Reader.TryReceive(out UrpcMessage m)) return false;
        handler(in m);
        return true;
    }
}

/// <summary>The receiving end of the binding with one peer of a peer set, with the set's handler and the peer's index.</summary>
sealed class PeerReaderSource(UrpcReader reader, int from, UrpcPeerHandler handler) : ReaderSource(reader)
{
    public override bool PollOnce()
    {
        if (!Reader.TryReceive(out UrpcMessage m)) return false;
        handler(from, in m);
        return true;
    }
}
