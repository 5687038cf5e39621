namespace Experiments.Schema;

/// <summary>
/// The busy-core rows of a load-generated experiment (io-webserver): how busy the server's cores and the load
/// generator's cores were in each timed run, in percent. Written by the IO harness, read by the report's claims.
/// </summary>
public static class CoreBusyMetrics
{
    public const string Server = "server_cores_busy_pct", Load = "load_cores_busy_pct";

    /// <summary>Load cores at least this busy (median over the runs) mark the load generator as the run's limit.</summary>
    public const double SaturatedPercent = 95;
}
