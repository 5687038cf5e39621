using Multikernel.Monitor;

namespace Multikernel.CoreProcesses;

/// <summary>
/// How a request handler answers the host, on the core that ran it: once, with five result words or an error. A
/// handler may answer later (after further messages), from code running on the same core.
/// <para>Invariant: answered at most once (a second answer throws); used only on the handling core's thread.</para>
/// </summary>
public abstract class CoreReply
{
    bool _answered;

    /// <summary>True once answered.</summary>
    public bool Answered => _answered;

    /// <summary>The monitor of the core that handles the request.</summary>
    public MonitorDispatcher Monitor { get; }

    private protected CoreReply(MonitorDispatcher monitor) => Monitor = monitor;

    /// <summary>Answers with <paramref name="result"/>.</summary>
    public void Complete(CoreArgs result = default)
    {
        Answer();
        Send(result, null);
    }

    /// <summary>Answers with an error; the host's task fails with an exception that names the core and carries <paramref name="error"/>'s message.</summary>
    public void Fail(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        Answer();
        Send(default, error);
    }

    void Answer()
    {
        Monitor.AssertOnCore();
        if (_answered) throw new InvalidOperationException("a request is answered once");
        _answered = true;
    }

    private protected abstract void Send(CoreArgs result, Exception? error);
}
