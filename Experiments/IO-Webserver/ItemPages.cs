using Microsoft.AspNetCore.Builder;

namespace IOWebserver;

/// <summary>Placeholder until the database part lands: maps nothing.</summary>
public static class ItemPages
{
    public static void MapKestrel(WebApplication app, string database) => throw new NotSupportedException("dynamic pages are not built yet");
}
