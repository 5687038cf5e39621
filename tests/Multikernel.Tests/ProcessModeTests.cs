using System.Diagnostics;
using System.Globalization;
using Xunit.Sdk;

namespace Multikernel.Tests;

/// <summary>
/// Process mode: one OS process per core (this test assembly started again as a core process, see <see cref="Program"/>),
/// URPC through the shared region, real page tables changed by a shootdown, and the lifecycle: clean shutdown, a dead
/// core detected and named, no orphans after Ctrl-C or a kill of the boot process.
/// </summary>
public class ProcessModeTests(ITestOutputHelper output)
{
    static readonly TimeSpan Generous = TimeSpan.FromMinutes(2);

    static int[] TwoCores()
    {
        var cpus = CoreAffinity.AllowedCpus();
        Assert.SkipWhen(cpus.Count < 2, "process mode across cores needs two allowed CPUs");
        return [cpus[0], cpus[1]];
    }

    static MultikernelSystem Boot(int[] cores, WaitPolicy? wait = null) => MultikernelSystem.Boot(new MultikernelOptions
    {
        Cores = cores,
        Mode = BootMode.ProcessPerCore,
        Program = TestCoreProgram.Instance,
        WaitPolicy = wait ?? new WaitPolicy(20_000),
    });

    static T Await<T>(MultikernelSystem mk, Task<T> task, string what)
    {
        mk.WaitFor(() => task.IsCompleted, Generous, what);
        return task.GetAwaiter().GetResult();
    }

    /// <summary>Alive and not a zombie.</summary>
    internal static bool IsRunning(int pid) => RunningParent(pid) != null;

    /// <summary>The parent's pid of process <paramref name="pid"/> from /proc/PID/stat; null when it is gone or a zombie.</summary>
    internal static int? RunningParent(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // state, ppid, ...
            return fields[0] is "Z" or "X" ? null : int.Parse(fields[1], CultureInfo.InvariantCulture);
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    static void AssertGoneWithin(IEnumerable<int> pids, TimeSpan timeout, string why)
    {
        var clock = Stopwatch.StartNew();
        var left = pids.ToList();
        while (left.Count > 0 && clock.Elapsed < timeout)
        {
            left.RemoveAll(p => !IsRunning(p));
            if (left.Count > 0) Thread.Sleep(20);
        }
        Assert.True(left.Count == 0, $"{why}: process(es) {string.Join(',', left)} still running after {timeout.TotalSeconds} s");
    }

    static bool HoldsRegion(string objectName) =>
        Directory.EnumerateFiles("/proc/self/fd").Any(fd =>
        {
            try { return new FileInfo(fd).LinkTarget?.StartsWith(objectName, StringComparison.Ordinal) == true; }
            catch (IOException) { return false; }
        }) || File.ReadAllText("/proc/self/maps").Contains(objectName, StringComparison.Ordinal);

    /// <summary>The CPUs every thread of process <paramref name="pid"/> may run on, as /proc shows them.</summary>
    static HashSet<string> ThreadAffinities(int pid) =>
        Directory.EnumerateDirectories($"/proc/{pid}/task")
            .Select(t => File.ReadLines(Path.Combine(t, "status")).First(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal)).Split(':')[1].Trim())
            .ToHashSet();

    [Fact]
    public void ProcessModeBootsAndShutsDownTwentyTimesWithEachCoreConfinedAndNothingLeftBehind()
    {
        var cores = TwoCores();
        var startups = new List<double>();
        string? regionName = null;
        for (int i = 0; i < 20; i++)
        {
            int[] pids;
            using (var mk = Boot(cores))
            {
                startups.Add(mk.StartupTime.TotalMilliseconds);
                regionName = mk.Region!.ObjectName;
                pids = mk.CoreProcessIds.ToArray();
                Assert.Equal(2, pids.Distinct().Count());
                Assert.DoesNotContain(Environment.ProcessId, pids);
                for (int c = 0; c < 2; c++)
                {
                    var where = Await(mk, mk.RequestAsync(c, TestCoreProgram.Where, default), "where");
                    Assert.Equal((ulong)cores[c], where.W0);        // the monitor runs on its core
                    Assert.Equal((ulong)pids[c], where.W1);         // in its own process
                    Assert.Equal(1UL, where.W2);                    // which may use that core only
                    if (i == 0) Assert.Equal([cores[c].ToString(CultureInfo.InvariantCulture)], ThreadAffinities(pids[c])); // every thread, runtime's included
                }
                mk.Shutdown();
            }
            AssertGoneWithin(pids, TimeSpan.FromSeconds(10), "after a clean shutdown");
        }
        Assert.False(HoldsRegion(regionName!), $"this process still holds {regionName} after the last shutdown");
        Assert.Empty(Directory.EnumerateFiles("/dev/shm", "multikernel*"));
        output.WriteLine($"startup of 2 core processes (ms, measured on a shared loaded machine): median {startups.Order().ElementAt(startups.Count / 2):0}, max {startups.Max():0}");
    }

    [Fact]
    public void ProcessModeCarriesAMillionMessagesAcrossProcessesWithoutLossDuplicationOrReordering()
    {
        var cores = TwoCores();
        const long Count = 1_000_000;
        using var mk = Boot(cores);
        var binding = Await(mk, mk.BindAsync(0, 1, slots: 64), "bind");
        Assert.NotNull(binding.Name);
        var (w0, w1, w2) = binding.Name!.Value.Encode();
        var result = mk.Region!.AllocateHostBlock(64);
        Await(mk, mk.SpawnAsync(1, TestCoreProgram.StreamReceiver, new CoreArgs(w0, w1, w2, Count, (ulong)result.Offset)), "spawn receiver");
        var clock = Stopwatch.StartNew();
        Await(mk, mk.SpawnAsync(0, TestCoreProgram.StreamSender, new CoreArgs(w0, w1, w2, Count)), "spawn sender");
        mk.WaitFor(() => result.Read(0) == 1, TimeSpan.FromMinutes(5), $"{Count} messages to arrive");
        output.WriteLine($"{Count} messages core {cores[0]} -> core {cores[1]} across processes in {clock.Elapsed.TotalMilliseconds:0} ms (shared loaded machine)");
        Assert.Equal(Count, result.Read(1));
        Assert.True(result.Read(2) == 0, $"{result.Read(2)} message(s) out of sequence or torn; first at index {result.Read(3)}, which carried {result.Read(4)}");
        mk.Shutdown();
    }

    [Fact]
    public void ProcessModeUnmapChangesEachCoresOwnPageTableAndEveryCoreChecksItWithoutFaulting()
    {
        var cores = TwoCores();
        using var mk = Boot(cores);
        const ulong Va = 0x3f00_0000_0000UL;
        long frames = mk.Region!.AllocateFrames(2);
        for (int c = 0; c < 2; c++) Await(mk, mk.RequestAsync(c, TestCoreProgram.MapPages, new CoreArgs(Va, (ulong)frames, 2)), "map");
        // One frame, two address spaces: a word written on core 0 is read on core 1.
        Await(mk, mk.RequestAsync(0, TestCoreProgram.WriteWord, new CoreArgs(Va + 8, 0xC0FFEE)), "write");
        Assert.Equal(0xC0FFEEUL, Await(mk, mk.RequestAsync(1, TestCoreProgram.ReadWord, new CoreArgs(Va + 8)), "read").W0);

        ulong both = new CoreSet(0, 0, 0).With(0).With(1).Word0;
        (bool Readable, bool Writable) ProbeOn(int c, ulong va)
        {
            var r = Await(mk, mk.RequestAsync(c, TestCoreProgram.Probe, new CoreArgs(va)), "probe");
            return (r.W0 == 1, r.W1 == 1);
        }
        void Change(MmuOp op, RoutingProtocol protocol, ulong va = Va)
        {
            var done = Await(mk, mk.RequestAsync(0, TestCoreProgram.Change, new CoreArgs(va, 1, (ulong)op, (ulong)protocol, both)), $"{op}");
            Assert.Equal(1UL, done.W0); // every participant acknowledged the 1PC
        }

        foreach (var protocol in new[] { RoutingProtocol.Unicast, RoutingProtocol.Broadcast, RoutingProtocol.NumaAwareMulticast })
        {
            Change(MmuOp.ProtectNone, protocol);
            for (int c = 0; c < 2; c++) Assert.Equal((false, false), ProbeOn(c, Va));
            Assert.Equal((true, true), ProbeOn(1, Va + 4096)); // the next page is untouched
            Change(MmuOp.ProtectRead, protocol);
            for (int c = 0; c < 2; c++) Assert.Equal((true, false), ProbeOn(c, Va));
            Change(MmuOp.ProtectReadWrite, protocol);
            for (int c = 0; c < 2; c++) Assert.Equal((true, true), ProbeOn(c, Va));
        }
        Change(MmuOp.Unmap, RoutingProtocol.NumaAwareMulticast);
        for (int c = 0; c < 2; c++) Assert.Equal((false, false), ProbeOn(c, Va));
        Change(MmuOp.Remap, RoutingProtocol.NumaAwareMulticast);
        for (int c = 0; c < 2; c++) Assert.Equal((true, true), ProbeOn(c, Va));
        Assert.Equal(0xC0FFEEUL, Await(mk, mk.RequestAsync(1, TestCoreProgram.ReadWord, new CoreArgs(Va + 8)), "read after remap").W0);

        // The remote core applied every change itself and its own checks (after each ack) all passed.
        var remote = Await(mk, mk.RequestAsync(1, TestCoreProgram.MmuState, default), "state");
        Assert.Equal(11UL, remote.W0);
        Assert.Equal(11UL, remote.W1);
        Assert.Equal(0UL, remote.W2);
        Assert.Equal(11UL, remote.W3);
        mk.Shutdown();
    }

    [Fact]
    public void ProcessModeMonitorsAgreeByOneAndTwoPhaseCommitAcrossProcesses()
    {
        var cores = TwoCores();
        using var mk = Boot(cores);
        const ulong Domain = 77;
        var protocols = new[] { RoutingProtocol.Unicast, RoutingProtocol.Broadcast, RoutingProtocol.Multicast, RoutingProtocol.NumaAwareMulticast };
        string[] Replicas()
        {
            var text = new string[2];
            for (int c = 0; c < 2; c++)
            {
                var block = mk.Region!.AllocateHostBlock(4096);
                var busy = Await(mk, mk.RequestAsync(c, TestCoreProgram.Tables, new CoreArgs((ulong)block.Offset, 4096)), "tables");
                Assert.Equal((0UL, 0UL, 0UL), (busy.W0, busy.W1, busy.W2)); // nothing in flight, prepared or locked
                text[c] = System.Text.Encoding.UTF8.GetString(block.ByteSpan(8, (int)block.Read(0)));
            }
            return text;
        }
        foreach (var protocol in protocols)
            foreach (bool twoPhase in new[] { false, true })
                for (int initiator = 0; initiator < 2; initiator++)
                {
                    // Core `initiator` places the domain on itself, then removes it: each an agreement among both core processes.
                    var placed = Await(mk, mk.RequestAsync(initiator, TestCoreProgram.Place, new CoreArgs(Domain, 1, (ulong)protocol, twoPhase ? 1UL : 0)), "place");
                    Assert.Equal(1UL, placed.W0);
                    var replicas = Replicas();
                    Assert.Equal(replicas[0], replicas[1]);
                    Assert.Contains($"domains {Domain}:", replicas[0]);
                    var removed = Await(mk, mk.RequestAsync(initiator, TestCoreProgram.Place, new CoreArgs(Domain, 0, (ulong)protocol, twoPhase ? 1UL : 0)), "remove");
                    Assert.Equal(1UL, removed.W0);
                    replicas = Replicas();
                    Assert.Equal(replicas[0], replicas[1]);
                    Assert.DoesNotContain($"{Domain}:", replicas[0]);
                }
        mk.Shutdown();
    }

    [Fact]
    public void EveryCoreProcessRunsWithTheBootsBlockedVisitSlice()
    {
        var slice = TimeSpan.FromMicroseconds(250);
        using var mk = MultikernelSystem.Boot(new MultikernelOptions
        {
            Cores = TwoCores(), Mode = BootMode.ProcessPerCore, Program = TestCoreProgram.Instance, WaitPolicy = new WaitPolicy(20_000), BlockedVisitSlice = slice,
        });
        for (int c = 0; c < 2; c++)
            Assert.Equal((ulong)slice.Ticks, Await(mk, mk.RequestAsync(c, TestCoreProgram.Where, default), "where").W4);
        mk.Shutdown();
    }

    /// <summary>
    /// A bind whose binding is opened only after the system has shut down fails with
    /// <see cref="ObjectDisposedException"/> instead of reading the unmapped shared region (a SIGSEGV that ends the
    /// whole process): BindAsync opens the binding in a continuation of the core's answer, which runs on a scheduler
    /// after the supervisor has taken the answer, so a shutdown can unmap the region in between. Here that
    /// continuation runs on a scheduler that holds it until the shutdown has returned.
    /// </summary>
    [Fact]
    public void ProcessModeBindOpenedAfterTheShutdownFailsInsteadOfReadingTheUnmappedRegion()
    {
        var cores = TwoCores();
        var mk = Boot(cores);
        var held = new HeldTaskScheduler();
        Task<UrpcBinding>? bind = null;
        Task.Factory.StartNew(() => bind = mk.BindAsync(0, 1), CancellationToken.None, TaskCreationOptions.None, held);
        held.RunQueued(); // BindAsync runs with `held` as the current scheduler: its continuation is queued there
        Assert.NotNull(bind);
        Assert.True(SpinWait.SpinUntil(() => held.Queued > 0, Generous), "core #0 never answered the bind");
        mk.Shutdown();
        Assert.True(mk.Region!.IsDisposed);
        held.RunQueued();
        var e = Assert.Throws<ObjectDisposedException>(() => bind!.GetAwaiter().GetResult());
        Assert.Contains("shut down", e.Message);
    }

    /// <summary>A scheduler that runs its tasks only when asked, on the asking thread.</summary>
    sealed class HeldTaskScheduler : TaskScheduler
    {
        readonly List<Task> _tasks = new();

        public int Queued { get { lock (_tasks) return _tasks.Count; } }

        public void RunQueued()
        {
            Task[] tasks;
            lock (_tasks)
            {
                tasks = _tasks.ToArray();
                _tasks.Clear();
            }
            foreach (var t in tasks) TryExecuteTask(t);
        }

        protected override void QueueTask(Task task) { lock (_tasks) _tasks.Add(task); }
        protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => false;
        protected override IEnumerable<Task> GetScheduledTasks() { lock (_tasks) return _tasks.ToArray(); }
    }

    [Fact]
    public void ProcessModeRequestsNameTheFailingCoreAndClosuresAreRefused()
    {
        var cores = TwoCores();
        using var mk = Boot(cores);
        var e = Assert.Throws<InvalidOperationException>(() => Await(mk, mk.RequestAsync(1, TestCoreProgram.Fail, default), "fail"));
        Assert.Contains("core #1", e.Message);
        Assert.Contains("asked to fail", e.Message);
        Assert.Throws<ArgumentException>(() => { _ = mk.RequestAsync(0, "no-such-request", default); });
        Assert.Throws<ArgumentException>(() => { _ = mk.SpawnAsync(0, "no-such-image", default); });
        Assert.Throws<NotSupportedException>(() => { _ = mk.CallOn(0, m => m.CoreIndex); });
        // The system still works after a failed request.
        Assert.Equal((ulong)cores[0], Await(mk, mk.RequestAsync(0, TestCoreProgram.Where, default), "where").W0);
        mk.Shutdown();
    }

    [Fact]
    public async Task NamedRequestsRunInThreadModeToo()
    {
        var cores = TwoCores();
        using var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = cores, Program = TestCoreProgram.Instance });
        var where = await mk.RequestAsync(1, TestCoreProgram.Where, default);
        Assert.Equal((ulong)cores[1], where.W0);
        Assert.Equal((ulong)Environment.ProcessId, where.W1);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => mk.RequestAsync(0, TestCoreProgram.Fail, default));
        Assert.Contains("core #0", e.Message);
    }

    [Fact]
    public void ProcessModeKill9OfACoreIsDetectedWithinFiveSecondsAndNamesTheCore()
    {
        var cores = TwoCores();
        var mk = Boot(cores);
        var pids = mk.CoreProcessIds.ToArray();
        var clock = Stopwatch.StartNew();
        Process.GetProcessById(pids[1]).Kill();
        var e = Assert.Throws<CoreProcessExitedException>(() => mk.WaitFor(() => false, TimeSpan.FromSeconds(60), "a failure"));
        var detected = clock.Elapsed;
        output.WriteLine($"kill -9 of core #1 detected after {detected.TotalMilliseconds:0} ms: {e.Message}");
        Assert.Equal(1, e.Core);
        Assert.Contains("core #1", e.Message);
        Assert.Contains("SIGKILL", e.Message);
        Assert.Contains("while the system was running", e.Message); // its CPU driver was up: not "during boot"
        // The bound is the project's requirement (issue 11, "Lifecycle and faults": a core process killed with kill -9
        // is detected within 5 s and the run fails naming the core), 500 times the supervisor's 10 ms watch interval.
        Assert.True(detected < TimeSpan.FromSeconds(5), $"detected after {detected.TotalSeconds:0.0} s; the requirement (issue 11) is 5 s");
        // The failure itself kills the other core processes, before any shutdown.
        AssertGoneWithin([pids[0]], TimeSpan.FromSeconds(10), "core #0 after core #1 died, before the shutdown");
        // Every later call fails with it too, never hangs, and the shutdown cleans up the other core.
        Assert.Throws<CoreProcessExitedException>(() => { _ = mk.RequestAsync(0, TestCoreProgram.Where, default); });
        mk.Dispose();
        AssertGoneWithin(pids, TimeSpan.FromSeconds(10), "after a core died");
    }

    /// <summary>
    /// <see cref="Timeout.InfiniteTimeSpan"/> is the .NET way to say "no bound": WaitFor waits for the condition (in
    /// process mode still failing at once on a dead core) instead of reading -1 ms as already expired and throwing
    /// "timed out after -0 s"; another negative timeout is refused. A boot's timeout must be positive and finite (its
    /// waits, in both modes, keep a bound): an infinite one is refused before any core starts, with an error naming it.
    /// </summary>
    [Theory]
    [InlineData(BootMode.Threads)]
    [InlineData(BootMode.ProcessPerCore)]
    public void WaitForWithAnInfiniteTimeoutWaitsForTheConditionAndABootWithOneIsRefused(BootMode mode)
    {
        var cores = TwoCores();
        using (var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = cores, Mode = mode, Program = TestCoreProgram.Instance, WaitPolicy = new WaitPolicy(20_000) }))
        {
            int checks = 0;
            var e = Record.Exception(() => mk.WaitFor(() => ++checks >= 3, Timeout.InfiniteTimeSpan, "the third check"));
            Assert.True(e == null, $"WaitFor(infinite) threw {e?.GetType().Name}: {e?.Message}");
            Assert.Equal(3, checks);
            Assert.Throws<ArgumentOutOfRangeException>(() => mk.WaitFor(() => true, TimeSpan.FromMilliseconds(-2), "nothing"));
            mk.Shutdown();
        }
        var boot = Record.Exception(() => MultikernelSystem.Boot(new MultikernelOptions { Cores = cores, Mode = mode, Program = TestCoreProgram.Instance, BootTimeout = Timeout.InfiniteTimeSpan }).Dispose());
        Assert.True(boot is ArgumentException && boot.Message.Contains("BootTimeout", StringComparison.Ordinal),
            $"a boot with an infinite BootTimeout gave {boot?.GetType().Name ?? "a system"}: {boot?.Message}");
    }

    /// <summary>
    /// A negative shutdown timeout (<see cref="Timeout.InfiniteTimeSpan"/> among them) is refused before anything
    /// stops, instead of being read as already expired: the core processes killed at once and the shutdown failing with
    /// "did not stop within -0 s". The system still runs and a shutdown with a real timeout is clean.
    /// </summary>
    [Fact]
    public void ProcessModeShutdownWithANegativeTimeoutIsRefusedAndStopsNothing()
    {
        var cores = TwoCores();
        var mk = Boot(cores);
        var pids = mk.CoreProcessIds.ToArray();
        var e = Record.Exception(() => mk.Shutdown(Timeout.InfiniteTimeSpan));
        Assert.True(e is ArgumentOutOfRangeException, $"Shutdown(infinite) gave {e?.GetType().Name ?? "no error"}: {e?.Message}");
        Assert.All(pids, p => Assert.True(IsRunning(p), $"core process {p} was stopped by a refused shutdown"));
        Assert.Equal((ulong)cores[1], Await(mk, mk.RequestAsync(1, TestCoreProgram.Where, default), "where").W0);
        mk.Shutdown(TimeSpan.FromSeconds(10));
        AssertGoneWithin(pids, TimeSpan.FromSeconds(10), "after the shutdown");
    }

    /// <summary>
    /// A core process that ends before it has a region to leave an error text in (bad command line, orphaned, no
    /// region) is named by what its exit code means, not only by the number, whose meaning lives in CoreProcess's
    /// constants; one that exits cleanly during boot points at the program's Main, which never ran CoreProcess.Run.
    /// </summary>
    [Fact]
    public void ACoreProcessThatEndedBeforeItHadARegionIsDescribedByWhatItsExitCodeMeans()
    {
        Assert.Contains("could not open the shared region", new CoreProcessExitedException(1, 3, 42, CoreProcess.NoRegion, null, false).Message);
        Assert.Contains("orphaned", new CoreProcessExitedException(1, 3, 42, CoreProcess.Orphaned, null, false).Message);
        Assert.Contains("command line", new CoreProcessExitedException(1, 3, 42, CoreProcess.BadArguments, null, false).Message);
        var boot = new CoreProcessExitedException(1, 3, 42, CoreProcess.Done, null, false, duringBoot: true).Message;
        Assert.Contains("during boot", boot);
        Assert.Contains("CoreProcess.Run", boot);
        // A boot that is being shut down (it timed out) does not blame the program's Main for a core that exited cleanly.
        Assert.Equal("core #1 (CPU 3, process 42) exited during shutdown", new CoreProcessExitedException(1, 3, 42, CoreProcess.Done, null, true, duringBoot: true).Message);
        Assert.Equal("core #1 (CPU 3, process 42) was killed by signal 9 (SIGKILL) while the system was running", new CoreProcessExitedException(1, 3, 42, 137, null, false).Message);
    }

    /// <summary>
    /// The core processes' ids stay readable after the shutdown (what a caller checks to see them gone), instead of
    /// throwing because the shutdown disposed the process objects they were read from.
    /// </summary>
    [Fact]
    public void ProcessModeCoreProcessIdsStillNameTheCoreProcessesAfterTheShutdown()
    {
        var mk = Boot(TwoCores());
        var pids = mk.CoreProcessIds.ToArray();
        Assert.All(pids, p => Assert.True(p > 0));
        mk.Shutdown();
        var after = Record.Exception(() => Assert.Equal(pids, mk.CoreProcessIds));
        Assert.True(after == null, $"CoreProcessIds after the shutdown: {after?.GetType().Name}: {after?.Message}");
        AssertGoneWithin(mk.CoreProcessIds, TimeSpan.FromSeconds(10), "after the shutdown");
    }

    /// <summary>
    /// A spawn or a bind fails with the exception the request failed with, as a request does: the core's error naming
    /// the core, or the <see cref="CoreProcessExitedException"/> of a core process that died while they were pending,
    /// never an <see cref="AggregateException"/> around it (which a <c>catch (CoreProcessExitedException)</c> misses).
    /// </summary>
    [Fact]
    public async Task ProcessModeSpawnAndBindFailWithTheRequestsOwnExceptionNotAnAggregate()
    {
        var cores = TwoCores();
        var ct = TestContext.Current.CancellationToken;
        var mk = Boot(cores);
        var pids = mk.CoreProcessIds.ToArray();
        try
        {
            // The image throws on core 0 (a binding name of zero slots): the spawn fails with the core's error.
            var spawnError = await Record.ExceptionAsync(() => mk.SpawnAsync(0, TestCoreProgram.StreamSender, default).WaitAsync(Generous, ct));
            Assert.True(spawnError is InvalidOperationException, $"a spawn whose image threw failed with {spawnError?.GetType().Name ?? "nothing"}: {spawnError?.Message}");
            Assert.Contains("core #0", spawnError!.Message);

            // Core 1 stops reading; a spawn on it and a bind to it wait; then it dies.
            Assert.Equal(0, kill(pids[1], SIGSTOP));
            var spawn = mk.SpawnAsync(1, TestCoreProgram.StreamReceiver, default);
            var bind = mk.BindAsync(0, 1);
            Assert.Equal(0, kill(pids[1], SIGKILL));
            foreach (var (what, task) in new[] { ("spawn", (Task)spawn), ("bind", bind) })
            {
                var e = await Record.ExceptionAsync(() => task.WaitAsync(TimeSpan.FromSeconds(30), ct));
                Assert.True(e is CoreProcessExitedException { Core: 1 }, $"the pending {what} on the dead core failed with {e?.GetType().Name ?? "nothing"}: {e?.Message}");
            }
        }
        finally
        {
            kill(pids[1], SIGKILL);
            Record.Exception(mk.Dispose);
        }
        AssertGoneWithin(pids, TimeSpan.FromSeconds(10), "after a core died");
    }

    [Fact]
    public void ProcessModeShutdownFailsARequestItsCoreNeverAnsweredInsteadOfLeavingItPending()
    {
        var cores = TwoCores();
        var mk = Boot(cores);
        var pids = mk.CoreProcessIds.ToArray();
        var unanswered = mk.RequestAsync(1, TestCoreProgram.Unanswered, default);
        Await(mk, mk.RequestAsync(1, TestCoreProgram.Where, default), "where"); // core #1 has taken the request before this one
        mk.Shutdown();
        Assert.True(SpinWait.SpinUntil(() => unanswered.IsCompleted, TimeSpan.FromSeconds(10)),
            "a request core #1 never answered was still pending 10 s after a clean shutdown: whoever awaits it waits for ever");
        var e = Assert.ThrowsAny<OperationCanceledException>(() => unanswered.GetAwaiter().GetResult());
        Assert.Contains("core #1", e.Message);
        Assert.Throws<ObjectDisposedException>(() => { _ = mk.RequestAsync(0, TestCoreProgram.Where, default); });
        AssertGoneWithin(pids, TimeSpan.FromSeconds(10), "after the shutdown");
    }

    [Fact]
    public async Task ShutdownEndsWithinItsTimeoutWhenACoreStoppedTakingRequestsAndItsPortIsFull()
    {
        var cores = TwoCores();
        var mk = Boot(cores);
        var pids = mk.CoreProcessIds.ToArray();
        Assert.Equal(0, kill(pids[1], SIGSTOP)); // alive, but its monitor reads its host port no more
        try
        {
            var timeout = TimeSpan.FromSeconds(2);
            var shutdown = Task.Run(() =>
            {
                // One request per slot of core 1's host port (16): none is taken, so the shutdown message finds it full.
                for (int i = 0; i < 16; i++) _ = mk.RequestAsync(1, TestCoreProgram.Where, default);
                return Record.Exception(() => mk.Shutdown(timeout));
            }, TestContext.Current.CancellationToken);
            bool ended = await Task.WhenAny(shutdown, Task.Delay(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken)) == shutdown;
            if (!ended) kill(pids[1], SIGKILL); // a dead core fails the system, which ends the stuck shutdown
            Assert.True(ended, $"Shutdown({timeout.TotalSeconds} s) had not returned after 30 s: it waits for room in the stopped core's full host port");
            var e = Assert.IsType<TimeoutException>(await shutdown);
            Assert.Contains("#1", e.Message);
        }
        finally
        {
            kill(pids[1], SIGKILL);
            mk.Dispose();
        }
        AssertGoneWithin(pids, TimeSpan.FromSeconds(10), "after the shutdown of a stopped core");
    }

    static (Process Boot, int[] Cores) StartBootProcess(int[] cpus)
    {
        string dir = AppContext.BaseDirectory;
        // A test host started as a background job inherits SIGINT ignored, and so would the boot process: env restores
        // the default disposition, as a program started at a terminal has it, so that the SIGINT below is a Ctrl-C.
        var psi = new ProcessStartInfo("env") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "--default-signal=INT", CoreProcessSet.LaunchCommand.DotnetHost(Environment.ProcessPath ?? ""), "exec",
                     "--runtimeconfig", Path.Combine(dir, "Multikernel.Tests.runtimeconfig.json"), Path.Combine(dir, "Multikernel.Tests.dll") })
            psi.ArgumentList.Add(a);
        psi.ArgumentList.Add(BootAndWait.Flag);
        psi.ArgumentList.Add(string.Join(',', cpus));
        var boot = Process.Start(psi)!;
        var ready = boot.StandardOutput.ReadLineAsync();
        if (!ready.Wait(Generous)) { boot.Kill(); throw new TimeoutException("the boot process did not report ready"); }
        var line = ready.Result ?? throw new XunitException($"the boot process exited with {(boot.WaitForExit(5000) ? boot.ExitCode : -1)} before it was ready");
        Assert.StartsWith("ready ", line);
        return (boot, line[6..].Split(' ').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray());
    }

    [Fact]
    public void ProcessModeCtrlCAtTheBootProcessShutsDownCleanlyAndLeavesNoOrphans()
    {
        var cpus = TwoCores();
        var (boot, pids) = StartBootProcess(cpus);
        using (boot)
        {
            Assert.All(pids, p => Assert.True(IsRunning(p)));
            Assert.Equal(0, kill(boot.Id, SIGINT));
            Assert.True(boot.WaitForExit(60_000), "the boot process did not exit after Ctrl-C");
            Assert.Equal(BootAndWait.Interrupted, boot.ExitCode);
            Assert.Equal("stopped", boot.StandardOutput.ReadLine());
        }
        AssertGoneWithin(pids, TimeSpan.FromSeconds(10), "after Ctrl-C of the boot process");
    }

    [Fact]
    public void ProcessModeKill9OfTheBootProcessTakesEveryCoreProcessWithIt()
    {
        var cpus = TwoCores();
        var (boot, pids) = StartBootProcess(cpus);
        using (boot)
        {
            boot.Kill();
            Assert.True(boot.WaitForExit(30_000));
        }
        AssertGoneWithin(pids, TimeSpan.FromSeconds(5), "after a kill -9 of the boot process");
    }

    const int SIGINT = 2, SIGKILL = 9, SIGSTOP = 19;

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    static extern int kill(int pid, int sig);
}
