namespace Multikernel.Urpc;

/// <summary>A receiving end and its handler as a waitset event source: one poll takes and handles at most one message.</summary>
sealed class ReaderSource(UrpcReader reader, UrpcHandler handler) : IEventSource
{
    public UrpcReader Reader => reader;

    public bool PollOnce()
    {
        if (!reader.TryReceive(out UrpcMessage m)) return false;
        handler(in m);
        return true;
    }

    public bool HasEvent() => reader.HasMessage();

    public void AttachNotifier(Notifier? notifier) => reader.Notifier = notifier;
}
