namespace Fig3.TlbShootdown;

/// <summary>
/// Runs an operation loop (<see cref="IOperationLoop"/>) on the first core's monitor and waits for its report while its
/// count of completed operations grows (<see cref="ProgressWait"/>).
/// </summary>
public static class OperationLoopRun
{
    /// <summary>What a stall of an operation loop most likely is.</summary>
    internal const string StallHint = "a lost message would stall an agreement until its retransmission";

    /// <summary>
    /// Thread mode: creates a loop on the first core's monitor with <paramref name="create"/> (given the monitor and
    /// the completion callback the loop calls with its report), starts it there, and waits for its report while its
    /// operation count grows (<see cref="ShootdownWorkload.Stall"/>). Returns the report and the loop, for checks on
    /// its core afterwards.
    /// </summary>
    public static (TReport Report, TLoop Loop) RunLoop<TLoop, TReport>(MultikernelSystem mk, Func<MonitorDispatcher, Action<TReport>, TLoop> create, string what)
        where TLoop : class, IOperationLoop
    {
        TLoop? loop = null;
        var report = ProgressWait.For(mk.CallOnAsync<TReport>(0, (m, done) =>
            {
                var l = create(m, done);
                Volatile.Write(ref loop, l);
                l.Begin();
            }),
            () => Volatile.Read(ref loop)?.OperationsCompleted ?? 0, what, ShootdownWorkload.Stall, hint: StallHint);
        return (report, Volatile.Read(ref loop)!);
    }
}
