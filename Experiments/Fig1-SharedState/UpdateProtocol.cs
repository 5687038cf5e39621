namespace Fig1.SharedState;

/// <summary>
/// The one-line URPC protocol between MSG clients and the server that owns the shared lines.
/// <list type="bullet">
/// <item>Request (<see cref="Request"/>): w0 = the client's request tag (0, 1, 2, ... per client), w1 = 1 if the
/// request is warm-up (the server does not time it), else 0.</item>
/// <item>Reply (<see cref="Reply"/>): w0 = the tag of the request it answers, w1 = the value of the first line after
/// the server applied this update, w2 = the value of the last line after it. The server increments every line by
/// one per update, so w1 = w2 = the number of updates applied so far, including this one.</item>
/// </list>
/// </summary>
public static class UpdateProtocol
{
    public const byte Request = 40;
    public const byte Reply = 41;

    /// <summary>Ring size of each client's binding.</summary>
    public const int RingSlots = 16;

    /// <summary>
    /// The largest window that never makes a sender find the ring full: the receiver acknowledges lazily, every
    /// quarter ring, so up to a quarter ring minus one consumed slots may still count as used.
    /// </summary>
    public const int MaxWindow = RingSlots - RingSlots / 4;

    /// <summary>How long a participant waits without progress before it gives up (a peer died or a bug).</summary>
    public static readonly TimeSpan Stall = TimeSpan.FromSeconds(60);
}
