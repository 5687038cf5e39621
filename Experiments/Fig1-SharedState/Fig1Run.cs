using Experiments.Common;
using Multikernel.Hardware;
using Multikernel.Urpc;

namespace Fig1.SharedState;

/// <summary>
/// Runs the chosen experiments point by point. After each point its rows are on disk (results.csv) and meta.json
/// lists the points still missing; a cancellation (Ctrl-C) stops before the next point and leaves the run marked
/// incomplete. Exit codes: 0 done and every check passed, 1 a correctness check or a point failed, 130 interrupted.
/// </summary>
public static class Fig1Run
{
    public static int Execute(Fig1Settings s, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        var start = MachineAtStart.Measure();
        var topo = start.Topology;
        stderr.WriteLine($"fig1: {start.Describe(s.Cores)}; " +
                         $"profile {s.Profile}: {s.Size.Iterations} timed ops x {s.Size.Repetitions} repetitions per thread, {s.Size.Warmup} warm-up ops per repetition; output {Path.GetFullPath(s.OutDir)}");
        var common = new List<string>
        {
            $"iterations={s.Size.Iterations}; repetitions={s.Size.Repetitions}; warmup={s.Size.Warmup} untimed ops before each repetition; one sample = mean cost per op of one thread/client in one repetition",
            start.ClockNote,
            start.LoadNote,
        };

        bool failed = false, interrupted = false;
        if (s.SharedState)
        {
            var meta = RunMeta.Describe(Fig1Settings.SharedStateId, s.Cores, s.Profile);
            meta.PollBudgetCycles["cpu-driver"] = WaitPolicy.Default.PollCycles;
            meta.Notes.AddRange(common);
            meta.Notes.Add($"MSG: {UpdateProtocol.RingSlots}-slot URPC ring per client and direction; pipelined window={s.Window}; MSG points start at 2 cores (one server core plus at least one client core)");
            meta.Notes.Add(s.TwinNote);
            if (s.Twin == null) stderr.WriteLine($"fig1: {s.TwinNote}");
            double serverClock = ClockOverhead.OrderedMedianCycles();
            meta.Notes.Add($"clock of the server cost meter: CycleClock.NowOrdered() (lfence; rdtsc) back-to-back median {serverClock:0} cycles");
            var points = SharedStateSweep.Plan(s, serverClock);
            var rec = new ExperimentRecorder(Path.Combine(s.OutDir, Fig1Settings.SharedStateId), meta, points.Select(p => p.Name));
            if (s.Cores.Length < 2)
            {
                const string why = "MSG1/MSG8 (and Server, pipelined) skipped: message passing needs a server core and at least one client core, and --cores gives only 1 core";
                stderr.WriteLine($"fig1: {why}");
                rec.AddNote(why);
            }
            (failed, interrupted) = Runner.Run(rec, points, stdout, stderr, cancel);
        }
        if (s.UrpcTables && !interrupted)
        {
            var meta = RunMeta.Describe(Fig1Settings.UrpcTablesId, s.Cores, s.Profile);
            meta.PollBudgetCycles["cpu-driver"] = WaitPolicy.Default.PollCycles;
            meta.Notes.AddRange(common);
            meta.Notes.Add("rows whose Series ends in (processes): process mode, the two cores of the pair are OS processes of their own (each confined to its core from exec on, " +
                           "separate address spaces and GC heaps) and the rings are in a shared memory region both map; the other rows run both cores as threads of one process. " +
                           "Startup of the two core processes per boot: coreProcessStartupMs.");
            var points = UrpcTablesSweep.Plan(s, topo, meta);
            var rec = new ExperimentRecorder(Path.Combine(s.OutDir, Fig1Settings.UrpcTablesId), meta, points.Select(p => p.Name));
            var classes = UrpcTablesSweep.Pairs(s.Cores, topo).Select(p => $"{UrpcTablesSweep.ClassName(p.Class)} ({p.A},{p.B})").ToList();
            if (classes.Count == 0)
            {
                const string why = "URPC rows skipped: a URPC pair needs two cores, and --cores gives only 1 core (only same-core LRPC measured)";
                stderr.WriteLine($"fig1: {why}");
                rec.AddNote(why);
            }
            else rec.AddNote($"core-pair classes among the chosen cores (first core vs the first core of each class): {string.Join("; ", classes)}");
            var (f, i) = Runner.Run(rec, points, stdout, stderr, cancel);
            failed |= f;
            interrupted |= i;
        }
        else if (s.UrpcTables)
        {
            var meta = RunMeta.Describe(Fig1Settings.UrpcTablesId, s.Cores, s.Profile);
            var rec = new ExperimentRecorder(Path.Combine(s.OutDir, Fig1Settings.UrpcTablesId), meta, UrpcTablesSweep.Plan(s, topo).Select(p => p.Name));
            rec.Finish("interrupted (SIGINT or SIGTERM) before this experiment started");
        }

        return Runner.Conclude(failed, interrupted, s.OutDir, stdout, stderr);
    }

    /// <summary>The sweep loop of both experiments; each row printed on one line with its CI and, for cycles, nanoseconds (<see cref="SweepRunner.Line"/>).</summary>
    static readonly SweepRunner Runner = new() { Program = "fig1" };
}
