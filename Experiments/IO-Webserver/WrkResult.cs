using System.Globalization;

namespace IOWebserver;

/// <summary>What one wrk run reported.</summary>
public sealed record WrkResult(double RequestsPerSecond, double BytesPerSecond, double P50Us, double P99Us, long Requests, long Non2xx, long SocketErrors, string Raw)
{
    public bool Clean => Requests > 0 && Non2xx == 0 && SocketErrors == 0;
    public string Describe() => string.Create(CultureInfo.InvariantCulture, $"{Requests} requests, {Non2xx} non-2xx, {SocketErrors} socket errors");
}
