using System.Globalization;

namespace IOWebserver;

/// <summary>
/// What one wrk run reported. <see cref="Non2xx"/> is wrk's "Non-2xx or 3xx responses" count, which despite its name
/// counts only statuses above 399; <see cref="Outside2xx"/> counts every status outside 200..299 where the run counted
/// them (<see cref="WrkRunner.Run"/> with countStatuses), else null.
/// </summary>
public sealed record WrkResult(double RequestsPerSecond, double BytesPerSecond, double P50Us, double P99Us, long Requests, long Non2xx, long SocketErrors, string Raw,
                               long? Outside2xx = null)
{
    public bool Clean => Requests > 0 && Non2xx == 0 && SocketErrors == 0 && Outside2xx is null or 0;
    public string Describe() => string.Create(CultureInfo.InvariantCulture, $"{Requests} requests, {Non2xx} non-2xx, {SocketErrors} socket errors") +
                                (Outside2xx is long n ? string.Create(CultureInfo.InvariantCulture, $", {n} responses outside 2xx") : "");
}
