namespace IOWebserver;

/// <summary>The dynamic page's address: /item?id=N (N a positive whole number).</summary>
public static class ItemRoute
{
    public const string Prefix = "/item?id=";

    public static bool TryParse(ReadOnlySpan<byte> target, out long id)
    {
        id = 0;
        if (!target.StartsWith("/item?id="u8)) return false;
        var digits = target["/item?id="u8.Length..];
        if (digits.Length == 0 || digits.Length > 12) return false;
        foreach (byte b in digits)
        {
            if (b is < (byte)'0' or > (byte)'9') return false;
            id = id * 10 + (b - '0');
        }
        return id > 0;
    }
}
