using Experiments.Common;
using Multikernel.Hardware;

namespace Fig1.SharedState;

/// <summary>
/// The points of the paper's Fig 3 experiment (our fig1-shared-state), for each core count k of the sweep:
/// SHM1/2/4/8 (plain, as in the paper) and SHM1/2/4/8-atomic, the host lock baselines (lock1/8, spinlock1/8) and, from
/// k = 2, MSG1/8 on the kernel's normal path with the server's cost (Server1/8), the same on raw channel ends
/// (MSG1/8-raw, Server1/8-raw), and MSG1/8 pipelined. The cores of a point are the first k of the chosen cores.
/// <para>With a C twin (<see cref="NativeTwin"/>), every SHM point runs, per block of its repetitions
/// (<see cref="TwinBlocks"/>), the twin on the same cores, then the C# measurement; every MSG point runs per block the C
/// twin of the kernel path, the C# kernel path, the C twin of the raw loops, the C# raw loops. Each adds the C rows
/// (Series "... (C)", Param "impl=c") and one C#/C ratio row per C# series over its own twin (Metric "cycles_ratio",
/// Unit "x", Param "impl=csharp/c").</para>
/// <para>The MSG points run the kernel: the first MSG point and the first pipelined one are preceded by a JIT warm-up
/// (<see cref="JitWarmUp"/>), so that they are not measured on tier-0 code (the SHM and lock loops are one method
/// each, optimised by on-stack replacement within their warm-up operations).</para>
/// </summary>
public static class SharedStateSweep
{
    static readonly int[] ShmLines = [1, 2, 4, 8];
    static readonly int[] LockLines = [1, 8];
    static readonly int[] MsgLines = [1, 8];
    /// <summary>The size of a JIT warm-up run (<see cref="JitWarmUp"/>): a few repetitions, results discarded.</summary>
    internal static readonly SweepSize WarmUpSize = SweepSize.For(200, 3);

    public static List<PlannedPoint> Plan(Fig1Settings s, double serverClockOverhead)
    {
        var rows = new RowFactory(Fig1Settings.SharedStateId);
        var size = s.Size;
        var twin = s.Twin;
        double twinFactor = twin == null ? 1 : 2;
        var points = new List<PlannedPoint>();
        foreach (int k in CoreList.SweepCounts(s.Cores.Length, quick: s.Profile == "quick"))
        {
            int[] cores = s.Cores[..k];
            double ops = (double)size.OpsPerThread;
            foreach (int n in ShmLines)
                foreach (var update in new[] { ShmUpdate.Plain, ShmUpdate.Atomic })
                    points.Add(new PlannedPoint($"{ShmSeries(n, update)} cores={k}", twinFactor * ops * (k > 1 ? 60 * n : 10 + n),
                        () => Shm(rows, twin, cores, n, size, update)));
            foreach (var (kind, series, what) in new[] { (HostLock.DotNetLock, "lock", "a C# lock statement on System.Threading.Lock"), (HostLock.SpinLock, "spinlock", "a test-and-test-and-set spin lock") })
                foreach (int n in LockLines)
                    points.Add(new PlannedPoint($"{series}{n} cores={k}", ops * (k > 1 ? 120 + 10 * n : 20 + n), () =>
                    {
                        using var shared = new SharedLines(n, MachineTopology.Current.NumaNodeOf(cores[0]));
                        var m = LockWorkload.Run(cores, shared, size, kind);
                        return [rows.Cycles($"{series}{n}", k, $"lines={n}", "cycles_per_update", m.CyclesPerOp, m.RepetitionDisturbed, RowFactory.Verdict(m.Verified),
                            Note(m.Failure, $"{k} thread(s) pinned to cores {CoreList.Format(cores)}; plain increments of {n} shared line(s) under {what}"))];
                    }));
            if (k < 2) continue;
            foreach (int n in MsgLines)
            {
                points.Add(new PlannedPoint($"MSG{n} cores={k}", 2 * twinFactor * ops * (k - 1) * 800, () => Msg(rows, twin, cores, n, size, serverClockOverhead))
                {
                    WarmUp = new("MSG on the kernel path and on raw channel ends", () =>
                    {
                        MsgWorkload.Run(cores, n, WarmUpSize, window: 1, MsgPath.Kernel);
                        MsgWorkload.Run(cores, n, WarmUpSize, window: 1, MsgPath.Raw);
                    }),
                });
                points.Add(new PlannedPoint($"MSG{n}-pipelined cores={k} window={s.Window}", ops * (k - 1) * 300, () => Pipelined(rows, cores, n, size, s.Window))
                {
                    WarmUp = new("MSG pipelined", () => MsgWorkload.Run(cores, n, WarmUpSize, s.Window, MsgPath.Kernel)),
                });
            }
        }
        return points;
    }

    static string ShmSeries(int n, ShmUpdate update) => update == ShmUpdate.Plain ? $"SHM{n}" : $"SHM{n}-atomic";

    static ResultRow[] Shm(RowFactory rows, NativeTwin? twin, int[] cores, int n, SweepSize size, ShmUpdate update)
    {
        int k = cores.Length;
        string series = ShmSeries(n, update), param = $"lines={n}";
        // Per block of repetitions, the C twin first, then C#, on the same cores (TwinBlocks).
        int[] reps = twin == null ? [size.Repetitions] : TwinBlocks.Split(size.Repetitions);
        var cRuns = new List<TwinRun>();
        var csRuns = new List<PointMeasurement>();
        foreach (int r in reps)
        {
            var block = size with { Repetitions = r };
            if (twin != null) cRuns.Add(twin.Shm(cores, n, block, update));
            // On the first core's NUMA node, where the C twin's first touch (on that core) puts its lines.
            using var shared = new SharedLines(n, MachineTopology.Current.NumaNodeOf(cores[0]));
            csRuns.Add(ShmWorkload.Run(cores, shared, block, update));
        }
        var m = TwinBlocks.Join(csRuns, reps);
        var c = twin == null ? null : TwinBlocks.Join(cRuns, reps);
        string how = update == ShmUpdate.Atomic
            ? $"each update is one atomic increment (lock-prefixed) of each of {n} shared line(s)"
            : $"each update is a plain load, add and store of each of {n} shared line(s), no lock prefix (as in the paper)" +
              (k == 1 ? "" : $"; racy by design: concurrent increments can be lost, so the final count is only checked to lie within [1, total], not for exactness ({m.LostUpdates:P1} of the updates lost here)");
        var cs = rows.Cycles(series, k, param, "cycles_per_update", m.CyclesPerOp, m.RepetitionDisturbed, RowFactory.Verdict(m.Verified),
            Note(m.Failure, $"{k} thread(s) pinned to cores {CoreList.Format(cores)}; {how}"));
        if (c == null || twin == null) return [cs];
        var cRow = rows.Cycles($"{series} (C)", k, $"{param};impl=c", "cycles_per_update", c.CyclesPerOp, PointMeasurement.PerRepetition(c.Disturbed, size.Repetitions),
            RowFactory.Verdict(c.Verified), Note(c.Failure, $"the C twin of {series} ({twin.Label}) on the same cores, {Interleaved(reps)}; {how.Split(';')[0]}"));
        return [cs, cRow, rows.Ratio(series, k, param, cs, cRow, BlockRatios(csRuns, cRuns, m => m.CyclesPerOp, c => c.CyclesPerOp))];
    }

    static ResultRow[] Msg(RowFactory rows, NativeTwin? twin, int[] cores, int n, SweepSize size, double serverClockOverhead)
    {
        int k = cores.Length;
        string param = $"lines={n}";
        // Per block of repetitions (TwinBlocks), each path's C twin just before its C# run, on the same cores: C kernel,
        // C# kernel, C raw, C# raw.
        int[] reps = twin == null ? [size.Repetitions] : TwinBlocks.Split(size.Repetitions);
        List<TwinRun> cKernels = [], cRaws = [];
        List<MsgMeasurement> kernels = [], raws = [];
        foreach (int r in reps)
        {
            var block = size with { Repetitions = r };
            if (twin != null) cKernels.Add(twin.Msg(cores, n, block, MsgPath.Kernel));
            kernels.Add(MsgWorkload.Run(cores, n, block, window: 1, MsgPath.Kernel));
            if (twin != null) cRaws.Add(twin.Msg(cores, n, block, MsgPath.Raw));
            raws.Add(MsgWorkload.Run(cores, n, block, window: 1, MsgPath.Raw));
        }
        var kernel = TwinBlocks.Join(kernels, reps);
        var raw = TwinBlocks.Join(raws, reps);
        var cKernel = twin == null ? null : TwinBlocks.Join(cKernels, reps);
        var cRaw = twin == null ? null : TwinBlocks.Join(cRaws, reps);
        string where = $"server on core {cores[0]}, {k - 1} client(s) on cores {CoreList.Format(cores[1..])}, one URPC binding ({UpdateProtocol.RingSlots}-slot rings) per client, one request in flight per client";
        string kernelPath = "server and clients are dispatchers on the kernel's normal path: the CPU driver polls their waitsets each round and upcalls a message handler per request (server: update, reply) and per reply (client: check, next request); while a point runs they report local work, so their cores keep polling instead of idling under the wait policy, and the cores' other dispatchers (monitor, memory server), blocked, are visited on a " + Multikernel.CpuDriver.CpuDriverThread.BlockedVisitInterval + "th round at least " + Multikernel.CpuDriver.CpuDriverThread.DefaultBlockedVisitSlice.TotalMicroseconds + " µs after the last such visit";
        string rawPath = "server and clients each spin in one run upcall on their raw channel ends (no waitset, no CPU-driver dispatch per message)";
        string serverCost = $"server cycles per update from taking the request from its ring (the receive's cache miss included) to its reply being published: one TSC read at the end of each polling round, ordered after the round's loads (lfence; rdtsc: a plain rdtsc may be taken before the request's cache miss is served), a round that took timed requests costs its cycles / the requests it took (ordered clock read back-to-back: {serverClockOverhead:0} cycles, once per round)";
        string Descheduled(MsgMeasurement m) => $"server thread descheduled {m.ServerDescheduled} time(s) while serving (not attributed to repetitions)";
        var list = new List<ResultRow>();
        var msgK = rows.Cycles($"MSG{n}", k, param, "cycles_per_update", kernel.ClientCyclesPerOp, kernel.RepetitionDisturbed, RowFactory.Verdict(kernel.Verified),
            Note(kernel.Failure, $"client round trip per update; {kernelPath}; {where}; {Descheduled(kernel)}"));
        var serverK = rows.Cycles($"Server{n}", k, param, "cycles_per_update", kernel.ServerCyclesPerOp, null, RowFactory.Verdict(kernel.Verified),
            Note(kernel.Failure, $"{serverCost}; on the kernel path a round is one CPU-driver round (this dispatcher's waitset poll and handlers, its run upcall, the local-work check after an empty round, and, on a " + Multikernel.CpuDriver.CpuDriverThread.BlockedVisitInterval + "th round at least " + Multikernel.CpuDriver.CpuDriverThread.DefaultBlockedVisitSlice.TotalMicroseconds + " µs after the last one, the visits of the blocked monitor and memory server); {where}"));
        var msgR = rows.Cycles($"MSG{n}-raw", k, param, "cycles_per_update", raw.ClientCyclesPerOp, raw.RepetitionDisturbed, RowFactory.Verdict(raw.Verified),
            Note(raw.Failure, $"client round trip per update; {rawPath}; {where}; {Descheduled(raw)}"));
        var serverR = rows.Cycles($"Server{n}-raw", k, param, "cycles_per_update", raw.ServerCyclesPerOp, null, RowFactory.Verdict(raw.Verified),
            Note(raw.Failure, $"{serverCost}; on the raw path a round is one pass over the client rings (one that took nothing ends after its pause: that wait is not the next round's cost); {where}"));
        list.Add(msgK);
        list.Add(rows.Other($"MSG{n}", k, param, "updates_per_s", "updates/s", kernel.UpdatesPerSecond, kernel.RepetitionDisturbed, RowFactory.Verdict(kernel.Verified),
            Note(kernel.Failure, $"all clients together (sum of client rates per repetition); {kernelPath}; {where}")));
        list.Add(serverK);
        list.Add(msgR);
        list.Add(serverR);
        if (cKernel == null || cRaw == null || twin == null) return [.. list];
        string cKernelWhat = $"the C twin of the kernel path ({twin.Label}, fig1_twin msg -k) on the same cores, {Interleaved(reps)}: " +
                             "the same ring layout and protocol in C, each participant a dispatcher whose core loop polls its waitset (handlers called through function pointers, rotating order), " +
                             "makes its run upcall and asks for local work after an empty round, in the CPU driver's round over each core's dispatcher table: the core's monitor (and the server core's memory server), blocked, " +
                             "with waitsets of idle rings, visited on the same rule as in C# (16th round, " + Multikernel.CpuDriver.CpuDriverThread.DefaultBlockedVisitSlice.TotalMicroseconds + " µs slice)";
        string cRawWhat = $"the C twin of the raw loops ({twin.Label}) on the same cores, {Interleaved(reps)}: the raw loops and the same ring layout and protocol in C";
        ResultRow CRow(string series, double[] samples, bool[]? disturbed, TwinRun c, string what) =>
            rows.Cycles(series, k, $"{param};impl=c", "cycles_per_update", samples, disturbed, RowFactory.Verdict(c.Verified), Note(c.Failure, what));
        var msgC = CRow($"MSG{n} (C)", cKernel.CyclesPerOp, PointMeasurement.PerRepetition(cKernel.Disturbed, size.Repetitions), cKernel, $"client round trip per update; {cKernelWhat}; {where}");
        var serverC = CRow($"Server{n} (C)", cKernel.ServerCyclesPerOp, null, cKernel, $"{serverCost}; {cKernelWhat}");
        var msgRC = CRow($"MSG{n}-raw (C)", cRaw.CyclesPerOp, PointMeasurement.PerRepetition(cRaw.Disturbed, size.Repetitions), cRaw, $"client round trip per update; {cRawWhat}; {where}");
        var serverRC = CRow($"Server{n}-raw (C)", cRaw.ServerCyclesPerOp, null, cRaw, $"{serverCost}; {cRawWhat}");
        list.AddRange([msgC, serverC, msgRC, serverRC,
            rows.Ratio($"MSG{n}", k, param, msgK, msgC, BlockRatios(kernels, cKernels, m => m.ClientCyclesPerOp, c => c.CyclesPerOp)),
            rows.Ratio($"MSG{n}-raw", k, param, msgR, msgRC, BlockRatios(raws, cRaws, m => m.ClientCyclesPerOp, c => c.CyclesPerOp)),
            rows.Ratio($"Server{n}", k, param, serverK, serverC, BlockRatios(kernels, cKernels, m => m.ServerCyclesPerOp, c => c.ServerCyclesPerOp)),
            rows.Ratio($"Server{n}-raw", k, param, serverR, serverRC, BlockRatios(raws, cRaws, m => m.ServerCyclesPerOp, c => c.ServerCyclesPerOp))]);
        return [.. list];
    }

    static ResultRow[] Pipelined(RowFactory rows, int[] cores, int n, SweepSize size, int window)
    {
        int k = cores.Length;
        var m = MsgWorkload.Run(cores, n, size, window, MsgPath.Kernel);
        string verdict = RowFactory.Verdict(m.Verified);
        string where = $"kernel path as MSG{n}; server on core {cores[0]}, {k - 1} client(s) on cores {CoreList.Format(cores[1..])}, one URPC binding ({UpdateProtocol.RingSlots}-slot rings) per client; " +
                       $"server thread descheduled {m.ServerDescheduled} time(s) while serving (not attributed to repetitions)";
        string param = $"lines={n};window={window}";
        return
        [
            rows.Cycles($"MSG{n}-pipelined", k, param, "cycles_per_update", m.ClientCyclesPerOp, m.RepetitionDisturbed, verdict,
                Note(m.Failure, $"client cycles per completed update with up to {window} requests in flight (inverse client throughput); {where}")),
            rows.Other($"MSG{n}-pipelined", k, param, "updates_per_s", "updates/s", m.UpdatesPerSecond, m.RepetitionDisturbed, verdict,
                Note(m.Failure, $"all clients together (sum of client rates per repetition), up to {window} requests in flight per client; {where}")),
        ];
    }

    /// <summary>Each block's C#/C ratio of one series (<see cref="TwinBlocks.BlockRatio"/>), block b of C# over block b of C.</summary>
    static double[] BlockRatios<T>(List<T> csharp, List<TwinRun> c, Func<T, double[]> csharpSamples, Func<TwinRun, double[]> cSamples) =>
        csharp.Select((m, b) => TwinBlocks.BlockRatio(csharpSamples(m), cSamples(c[b]))).ToArray();

    static string Interleaved(int[] reps) => reps.Length == 1
        ? "run just before the C# point"
        : $"interleaved with the C# point in {reps.Length} blocks of {reps.Min()}-{reps.Max()} repetitions (each block: C, then C#)";

    static string Note(string? failure, string what) => failure == null ? what : $"CHECK FAILED: {failure}; {what}";
}
