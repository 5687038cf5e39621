using System.Globalization;
using Experiments.Common;

namespace IOWebserver;

/// <summary>
/// How busy the server's cores and the load generator's cores were during each timed run of a series
/// (<see cref="CoreTimes"/>, from /proc/stat). A load generator whose cores were (nearly) always busy was the limit of
/// that run, not the server. The multikernel's NIC driver core polls all the time, so its server cores read busy
/// whatever the load; the host servers sleep when idle.
/// </summary>
/// <param name="read">A reading of every core's times (<see cref="CoreTimes.Read"/>; null where there is none).</param>
public sealed class CoreBusyRecord(IReadOnlyList<int> serverCores, IReadOnlyList<int> loadCores, Func<CoreTimes?> read)
{
    /// <summary>Over /proc/stat.</summary>
    public CoreBusyRecord(IReadOnlyList<int> serverCores, IReadOnlyList<int> loadCores) : this(serverCores, loadCores, CoreTimes.Read) { }

    readonly List<double> _server = [], _load = [];
    CoreTimes? _start;

    /// <summary>Call just before a timed run.</summary>
    public void Begin() => _start = read();

    /// <summary>Call just after it.</summary>
    public void End()
    {
        if (_start is null || read() is not { } end) return;
        double server = end.BusySince(_start, serverCores), load = end.BusySince(_start, loadCores);
        _start = null;
        if (!double.IsFinite(server) || !double.IsFinite(load)) return; // no clock tick passed on them
        _server.Add(100 * server);
        _load.Add(100 * load);
    }

    /// <summary>The two rows (none where /proc/stat could not be read); no pass/fail check of their own.</summary>
    public IEnumerable<ResultRow> Rows(string series, int cores, string param, string note)
    {
        if (_server.Count == 0) yield break;
        string what = "/proc/stat busy time (user, nice, system, irq, softirq) over the time the cores ran, per timed run; ";
        yield return IOWebserver.Rows.Unchecked(series, cores, param, CoreBusyMetrics.Server, "%", _server.ToArray(),
            $"{what}server core(s) {CoreList.Format(serverCores)}; {note}");
        yield return IOWebserver.Rows.Unchecked(series, cores, param, CoreBusyMetrics.Load, "%", _load.ToArray(),
            $"{what}load generator core(s) {CoreList.Format(loadCores)}; at least {CoreBusyMetrics.SaturatedPercent:0}%: the load generator was the limit; {note}");
    }

    /// <summary>One sentence for the series' notes: the median busy percentages.</summary>
    public string Describe() => _server.Count == 0 ? "core busy time unknown (/proc/stat unreadable)"
        : string.Create(CultureInfo.InvariantCulture,
            $"cores busy during the timed runs (median): server {Median(_server):0}% (core(s) {CoreList.Format(serverCores)}), load generator {Median(_load):0}% (core(s) {CoreList.Format(loadCores)})");

    static double Median(List<double> v) => SampleSummary.Of(v.ToArray()).Median;
}
