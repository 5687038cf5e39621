using Experiments.Common;

namespace Fig1.SharedState;

/// <summary>
/// The points of the paper's Fig 3 experiment (our fig1-shared-state), for each core count k of the sweep:
/// SHM1/2/4/8, the host lock baselines (lock1/8, spinlock1/8) and, from k = 2, MSG1/8 synchronous (with the server's
/// cost, Server1/8) and pipelined. The cores of a point are the first k of the chosen cores.
/// </summary>
public static class SharedStateSweep
{
    static readonly int[] ShmLines = [1, 2, 4, 8];
    static readonly int[] LockLines = [1, 8];
    static readonly int[] MsgLines = [1, 8];

    public static List<PlannedPoint> Plan(Fig1Settings s, double clockOverhead)
    {
        var rows = new RowFactory(Fig1Settings.SharedStateId);
        var size = s.Size;
        var points = new List<PlannedPoint>();
        foreach (int k in CoreList.SweepCounts(s.Cores.Length, quick: s.Profile == "quick"))
        {
            int[] cores = s.Cores[..k];
            string coreText = CoreList.Format(cores);
            double ops = (double)size.OpsPerThread;
            foreach (int n in ShmLines)
                points.Add(new PlannedPoint($"SHM{n} cores={k}", ops * (k > 1 ? 60 * n : 10 + n), () =>
                {
                    var m = ShmWorkload.Run(cores, n, size);
                    return [rows.Cycles($"SHM{n}", k, $"lines={n}", "cycles_per_update", m.CyclesPerOp, m.RepetitionDisturbed, RowFactory.Verdict(m.Verified),
                        Note(m, $"{k} thread(s) pinned to cores {coreText}; each update is one atomic increment (lock xadd) of each of {n} shared line(s)"))];
                }));
            foreach (var (kind, series, what) in new[] { (HostLock.DotNetLock, "lock", "a C# lock statement on System.Threading.Lock"), (HostLock.SpinLock, "spinlock", "a test-and-test-and-set spin lock") })
                foreach (int n in LockLines)
                    points.Add(new PlannedPoint($"{series}{n} cores={k}", ops * (k > 1 ? 120 + 10 * n : 20 + n), () =>
                    {
                        var m = LockWorkload.Run(cores, n, size, kind);
                        return [rows.Cycles($"{series}{n}", k, $"lines={n}", "cycles_per_update", m.CyclesPerOp, m.RepetitionDisturbed, RowFactory.Verdict(m.Verified),
                            Note(m, $"{k} thread(s) pinned to cores {coreText}; plain increments of {n} shared line(s) under {what}"))];
                    }));
            if (k < 2) continue;
            foreach (int n in MsgLines)
            {
                points.Add(new PlannedPoint($"MSG{n} cores={k}", ops * (k - 1) * 800, () => Msg(rows, cores, n, size, window: 1, clockOverhead)));
                points.Add(new PlannedPoint($"MSG{n}-pipelined cores={k} window={s.Window}", ops * (k - 1) * 300, () => Msg(rows, cores, n, size, s.Window, clockOverhead)));
            }
        }
        return points;
    }

    static ResultRow[] Msg(RowFactory rows, int[] cores, int n, SweepSize size, int window, double clockOverhead)
    {
        int k = cores.Length;
        var m = MsgWorkload.Run(cores, n, size, window);
        string verdict = RowFactory.Verdict(m.Verified);
        string where = $"server dispatcher on core {cores[0]}, {k - 1} client dispatcher(s) on cores {CoreList.Format(cores[1..])}, one URPC binding ({UpdateProtocol.RingSlots} slots) per client; " +
                       $"server thread descheduled {m.ServerDescheduled} time(s) while serving (not attributed to repetitions)";
        if (window == 1)
            return
            [
                rows.Cycles($"MSG{n}", k, $"lines={n}", "cycles_per_update", m.ClientCyclesPerOp, m.RepetitionDisturbed, verdict,
                    Note(m.Failure, $"client round trip per update (one request in flight); {where}")),
                rows.Other($"MSG{n}", k, $"lines={n}", "updates_per_s", "updates/s", m.UpdatesPerSecond, m.RepetitionDisturbed, verdict,
                    Note(m.Failure, $"all clients together (sum of client rates per repetition), one request in flight per client; {where}")),
                rows.Cycles($"Server{n}", k, $"lines={n}", "cycles_per_update", m.ServerCyclesPerOp, null, verdict,
                    Note(m.Failure, $"server handler per update: apply to {n} line(s) + send reply, excluding time requests waited in the ring; timed with two TSC reads per update, which do not serialise, so a handler this short is measured near the clock's resolution (back-to-back reads: {clockOverhead:0} cycles); {where}")),
            ];
        string param = $"lines={n};window={window}";
        return
        [
            rows.Cycles($"MSG{n}-pipelined", k, param, "cycles_per_update", m.ClientCyclesPerOp, m.RepetitionDisturbed, verdict,
                Note(m.Failure, $"client cycles per completed update with up to {window} requests in flight (inverse client throughput); {where}")),
            rows.Other($"MSG{n}-pipelined", k, param, "updates_per_s", "updates/s", m.UpdatesPerSecond, m.RepetitionDisturbed, verdict,
                Note(m.Failure, $"all clients together (sum of client rates per repetition), up to {window} requests in flight per client; {where}")),
        ];
    }

    static string Note(PointMeasurement m, string what) => Note(m.Failure, what);
    static string Note(string? failure, string what) => failure == null ? what : $"CHECK FAILED: {failure}; {what}";
}
