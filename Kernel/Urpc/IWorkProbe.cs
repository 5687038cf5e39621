namespace Multikernel.Urpc;

/// <summary>
/// What a <see cref="WaitPolicy"/> checks while a core waits: whether there is work (a message, a runnable thread,
/// a backlog to flush). Implemented by small structs over the waiting object, so the check is inlined and the wait
/// allocates nothing. It must not consume anything: the caller handles the work after the wait returns.
/// </summary>
public interface IWorkProbe
{
    bool HasWork();
}
