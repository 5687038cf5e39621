namespace IOWebserver;

/// <summary>One HTTP response as read off the wire.</summary>
public sealed record HttpReply(int Status, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var v) ? v : null;
}
