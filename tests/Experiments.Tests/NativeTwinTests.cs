using Fig1.SharedState;

namespace Experiments.Tests;

/// <summary>
/// The C twin of Fig 1: its output is read correctly, a failed check in C reaches the row, and the real twin (built
/// with gcc where there is one) measures and checks the same workloads as the C# code. Timings are not checked.
/// </summary>
public class NativeTwinTests
{
    static readonly SweepSize Small = new(Iterations: 500, Repetitions: 3, Warmup: 50);

    static bool HasGcc => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, "gcc")));

    static NativeTwin RealTwin()
    {
        Assert.SkipUnless(HasGcc, "needs gcc to build Benchmarks/native/fig1_twin.c (the fig1 program then runs without C rows and says so)");
        var twin = NativeTwin.Locate(null, TextWriter.Null, out string why);
        Assert.True(twin != null, why);
        return twin;
    }

    /// <summary>A stand-in twin: a shell script printing <paramref name="body"/> after the header the probe needs, then
    /// ending with <paramref name="probeExit"/> when it is the probe (no warm-up: <c>-w 0</c>), else with <paramref name="runExit"/>.</summary>
    static string FakeTwin(string body, int probeExit = 0, int runExit = 0)
    {
        string path = Path.Combine(TestCores.TempDir(), "fake_twin");
        File.WriteAllText(path, $"#!/bin/sh\nprintf 'twin fig1\\nmarch test-arch\\ncompiler gcc test\\n{body}'\ncase \"$*\" in *' -w 0') exit {probeExit} ;; esac\nexit {runExit}\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    /// <summary>
    /// The binary is rebuilt when any file it is made from is newer, build.sh included: its flags (-O3, -march, the
    /// labels compiled in) are part of what the binary is, and a binary older than them was built with other flags.
    /// </summary>
    [Theory]
    [InlineData(NativeTwin.SourceName)]
    [InlineData("urpc_ring.h")]
    [InlineData("build.sh")]
    public void TheBinaryIsStaleWhenAnyFileItIsMadeFromIsNewer(string changed)
    {
        string native = TestCores.TempDir();
        string binary = Path.Combine(native, "fig1_twin");
        var built = new DateTime(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);
        foreach (var f in new[] { NativeTwin.SourceName, "urpc_ring.h", "build.sh" })
        {
            File.WriteAllText(Path.Combine(native, f), "");
            File.SetLastWriteTimeUtc(Path.Combine(native, f), built);
        }
        File.WriteAllText(binary, "");
        File.SetLastWriteTimeUtc(binary, built);
        Assert.True(NativeTwin.IsUpToDate(native, binary), "a binary as new as all its inputs is up to date");
        File.SetLastWriteTimeUtc(Path.Combine(native, changed), built.AddMinutes(1));
        Assert.False(NativeTwin.IsUpToDate(native, binary), $"{changed} is newer than the binary, which must be rebuilt");
    }

    [Fact]
    public void OutputIsReadAsKeyAndRestOfLine()
    {
        var d = NativeTwin.Parse("twin fig1\nmarch x86-64-v2\ncycles_per_update 1.5 2.5\ncheck line 0 holds 3, expected 4\ncheck ok\nflag\n");
        Assert.Equal("x86-64-v2", d["march"]);
        Assert.Equal("1.5 2.5", d["cycles_per_update"]);
        Assert.Equal("line 0 holds 3, expected 4", d["check"]); // the first occurrence wins
        Assert.Equal("", d["flag"]);
    }

    [Fact]
    public void AFailedCheckInCReachesTheRunAndTheLabelIsWhatTheBinarySays()
    {
        string path = FakeTwin("cycles_per_update 10.0 11.0 12.0\\ndisturbed 0 1 0\\ncheck line 2 holds 5, expected 6\\n");
        var twin = NativeTwin.Locate(path, TextWriter.Null, out string why);
        Assert.True(twin != null, why);
        Assert.Equal("test-arch", twin.March);
        Assert.Contains("-march=test-arch", twin.Label);
        var run = twin.Shm([0], 1, Small, ShmUpdate.Plain);
        Assert.Equal([10.0, 11.0, 12.0], run.CyclesPerOp);
        Assert.Equal([false, true, false], run.Disturbed);
        Assert.Equal("line 2 holds 5, expected 6", run.Failure);
    }

    /// <summary>
    /// The twin runs on the measured cores for as long as its run lasts: it must die with this program, however that
    /// ends (SIGKILL included), as every other child does (ChildLaunch: setpriv --pdeathsig KILL). A stand-in twin in
    /// Python reads its own parent-death signal (PR_GET_PDEATHSIG) and says in its check line whether it is SIGKILL.
    /// </summary>
    [Fact]
    public void TheTwinDiesWithThisProgramEvenOnSigkill()
    {
        string? python = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "python3")).FirstOrDefault(File.Exists);
        Assert.SkipWhen(python is null, "needs python3 for the stand-in twin that reads its parent-death signal");
        bool setpriv = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, "setpriv")));
        Assert.SkipUnless(setpriv, "needs setpriv (util-linux): without it children die with this program only when it exits normally");
        string path = Path.Combine(TestCores.TempDir(), "pdeathsig_twin");
        File.WriteAllText(path, $$"""
            #!{{python}}
            import ctypes
            sig = ctypes.c_int(0)
            ctypes.CDLL(None).prctl(2, ctypes.byref(sig))  # PR_GET_PDEATHSIG
            print("twin fig1\nmarch test-arch\ncompiler gcc test")
            print("cycles_per_update 10.0 11.0 12.0\ndisturbed 0 0 0")
            print("check ok" if sig.value == 9 else f"check parent-death signal {sig.value}, not SIGKILL")

            """);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var twin = NativeTwin.Locate(path, TextWriter.Null, out string why);
        Assert.True(twin != null, why);
        var run = twin.Shm([0], 1, Small, ShmUpdate.Plain);
        Assert.Null(run.Failure);
    }

    /// <summary>
    /// --native takes a path, as the option's check reads it: a bare file name is that file in the working directory,
    /// not a program to look up on PATH. The twin starts under setpriv (ChildLaunch), which looks a bare name up on PATH.
    /// </summary>
    [Fact]
    public void ABareFileNameIsTheTwinInTheWorkingDirectory()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "a POSIX shell script stands in for the twin");
        string name = $"fake_twin_{Guid.NewGuid():N}";
        Assert.False(Path.IsPathRooted(name) || name.Contains('/'));
        File.WriteAllText(name, "#!/bin/sh\nprintf 'twin fig1\\nmarch test-arch\\ncompiler gcc test\\ncycles_per_update 10.0 11.0 12.0\\ndisturbed 0 0 0\\ncheck ok\\n'\n");
        try
        {
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(name, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var twin = NativeTwin.Locate(name, TextWriter.Null, out string why);
            Assert.True(twin != null, why);
            Assert.Equal(Path.GetFullPath(name), twin.Binary);
            Assert.Equal([10.0, 11.0, 12.0], twin.Shm([0], 1, Small, ShmUpdate.Plain).CyclesPerOp);
        }
        finally { File.Delete(name); }
    }

    [Fact]
    public void MissingOutputOrAFailingBinaryIsAnErrorNamingWhatIsMissing()
    {
        var noSamples = NativeTwin.Locate(FakeTwin("check ok\\n"), TextWriter.Null, out _)!;
        var e = Assert.Throws<FormatException>(() => noSamples.Shm([0], 1, Small, ShmUpdate.Atomic));
        Assert.Contains("'cycles_per_update'", e.Message);
        Assert.Null(NativeTwin.Locate(FakeTwin("", probeExit: 3), TextWriter.Null, out string why));
        Assert.Contains("exit 3", why);
    }

    /// <summary>
    /// Output that parses but cannot be what the twin measured is an error naming the list, not samples: a value that
    /// is not a finite cycle count (NaN, infinity, negative), a list whose length is not participants x repetitions,
    /// a disturbed flag other than 0 or 1, an MSG run without server samples.
    /// </summary>
    [Theory]
    [InlineData("shm", "cycles_per_update 10.0 nan 12.0\\ndisturbed 0 0 0\\ncheck ok\\n", "'cycles_per_update'", "'nan'")]
    [InlineData("shm", "cycles_per_update 10.0 inf 12.0\\ndisturbed 0 0 0\\ncheck ok\\n", "'cycles_per_update'", "'inf'")]
    [InlineData("shm", "cycles_per_update 10.0 -11.0 12.0\\ndisturbed 0 0 0\\ncheck ok\\n", "'cycles_per_update'", "'-11.0'")]
    [InlineData("shm", "cycles_per_update 10.0 0.0 12.0\\ndisturbed 0 0 0\\ncheck ok\\n", "'cycles_per_update'", "'0.0'")]
    [InlineData("shm", "cycles_per_update 10.0 11.0 12.0\\ndisturbed 0 0 0\\ncheck\\n", "'check'", "with a verdict")]
    [InlineData("shm", "cycles_per_update 10.0 11.0 12.0\\ndisturbed 0 0 0\\n", "'check'", "with a verdict")]
    [InlineData("shm", "cycles_per_update 10.0 11.0 12.0 13.0 14.0 15.0\\ndisturbed 0 0 0 0 0 0\\ncheck ok\\n", "'cycles_per_update'", "6 values")]
    [InlineData("shm", "cycles_per_update 10.0 11.0\\ndisturbed 0 0\\ncheck ok\\n", "'cycles_per_update'", "2 values")]
    [InlineData("shm", "cycles_per_update 10.0 11.0 12.0\\ndisturbed 0 1\\ncheck ok\\n", "'disturbed'", "2 values")]
    [InlineData("shm", "cycles_per_update 10.0 11.0 12.0\\ndisturbed 0 2 0\\ncheck ok\\n", "'disturbed'", "'2'")]
    [InlineData("msg", "client_cycles_per_update 10.0 11.0 12.0\\nclient_disturbed 0 0 0\\nserver_cycles_per_update\\ncheck ok\\n", "'server_cycles_per_update'", "no values")]
    [InlineData("msg", "client_cycles_per_update 10.0 11.0 12.0\\nclient_disturbed 0 0 0\\nserver_cycles_per_update 5.0 nan\\ncheck ok\\n", "'server_cycles_per_update'", "'nan'")]
    [InlineData("msg", "client_cycles_per_update 10.0 11.0 12.0 13.0 14.0 15.0\\nclient_disturbed 0 0 0 0 0 0\\nserver_cycles_per_update 5.0\\ncheck ok\\n", "'client_cycles_per_update'", "6 values")]
    public void OutputThatCannotBeTheMeasurementIsAnError(string kind, string body, string key, string what)
    {
        var twin = NativeTwin.Locate(FakeTwin(body), TextWriter.Null, out string why);
        Assert.True(twin != null, why);
        var e = Assert.Throws<FormatException>(() => kind == "shm"
            ? twin.Shm([0], 1, Small, ShmUpdate.Plain)            // 1 thread x 3 repetitions
            : twin.Msg([0, 1], 1, Small, MsgPath.Raw));           // 1 client x 3 repetitions
        Assert.Contains(key, e.Message);
        Assert.Contains(what, e.Message);
    }

    /// <summary>
    /// The twin is called with the point's size and kind: -a for SHM-atomic only, -k and the CPU driver's slice for the
    /// kernel path only, each of -i, -r and -w with its own number (<see cref="EchoTwin"/> answers with its arguments).
    /// </summary>
    [Fact]
    public void TheTwinIsCalledWithThePointsSizeAndKind()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "a POSIX shell script stands in for the twin");
        var twin = NativeTwin.Locate(EchoTwin.Create(), TextWriter.Null, out string why);
        Assert.True(twin != null, why);
        var size = new SweepSize(Iterations: 500, Repetitions: 3, Warmup: 50);
        Assert.Equal("args: shm -c 0 -l 2 -i 500 -r 3 -w 50", twin.Shm([0], 2, size, ShmUpdate.Plain).Failure);
        Assert.Equal("args: shm -c 0 -l 2 -i 500 -r 3 -w 50 -a", twin.Shm([0], 2, size, ShmUpdate.Atomic).Failure);
        Assert.Equal("args: msg -c 0,1 -l 8 -i 500 -r 3 -w 50", twin.Msg([0, 1], 8, size, MsgPath.Raw).Failure);
        Assert.Equal($"args: msg -c 0,1 -l 8 -i 500 -r 3 -w 50 -k -s {NativeTwin.KernelSliceCycles}", twin.Msg([0, 1], 8, size, MsgPath.Kernel).Failure);
    }

    /// <summary>A twin ended by SIGINT or SIGTERM (exit 130 or 143: Ctrl-C reached its process group) stopped the point; it did not fail it.</summary>
    [Theory]
    [InlineData(130, "SIGINT")]
    [InlineData(143, "SIGTERM")]
    public void ATwinEndedByASignalStoppedThePoint(int exit, string signal)
    {
        var twin = NativeTwin.Locate(FakeTwin("", runExit: exit), TextWriter.Null, out string why);
        Assert.True(twin != null, why);
        var e = Assert.Throws<Experiments.Common.ChildStoppedBySignalException>(() => twin.Shm([0], 1, Small, ShmUpdate.Plain));
        Assert.Contains($"stopped by {signal} (exit {exit})", e.Message);
    }

    [Fact]
    public void WellFormedMsgOutputIsRead()
    {
        var twin = NativeTwin.Locate(FakeTwin("client_cycles_per_update 10.0 11.0 12.0\\nclient_disturbed 0 1 0\\nserver_cycles_per_update 5.5 6.5\\ncheck ok\\n"), TextWriter.Null, out string why);
        Assert.True(twin != null, why);
        var run = twin.Msg([0, 1], 1, Small, MsgPath.Kernel);
        Assert.Equal([10.0, 11.0, 12.0], run.CyclesPerOp);
        Assert.Equal([false, true, false], run.Disturbed);
        Assert.Equal([5.5, 6.5], run.ServerCyclesPerOp);
        Assert.Null(run.Failure);
    }

    [Fact]
    public void TheRealTwinRunsBothShmModesWithTheSameCheckAsCSharp()
    {
        var twin = RealTwin();
        Assert.False(string.IsNullOrWhiteSpace(twin.March));
        foreach (var update in new[] { ShmUpdate.Plain, ShmUpdate.Atomic })
        {
            var cores = TestCores.UpToTwo;
            var run = twin.Shm(cores, 4, Small, update);
            Assert.Null(run.Failure);
            Assert.Equal(cores.Length * Small.Repetitions, run.CyclesPerOp.Length);
            Assert.Equal(run.CyclesPerOp.Length, run.Disturbed.Length);
            Assert.All(run.CyclesPerOp, c => Assert.True(c > 0));
        }
    }

    /// <summary>
    /// The probe that tells what the binary is runs on a core this program may use. In a cpuset without core 0 (a
    /// container's --cpuset-cpus; here a cpuset cgroup the test makes, which a wrapper script enters before it execs the
    /// twin, and this thread pinned to the cpuset's core, as every thread of a confined program is), a probe pinned to
    /// core 0 dies on sched_setaffinity, and a good twin was refused: as bad input with --native, silently (no C rows)
    /// without it.
    /// </summary>
    [Fact]
    public void TheProbeRunsOnACoreThisProcessMayUse()
    {
        Assert.SkipUnless(TestCores.HasTwo, "needs two cores: the cpuset holds the second");
        const string cpusets = "/sys/fs/cgroup/cpuset";
        Assert.SkipUnless(Directory.Exists(cpusets) && File.Exists(Path.Combine(cpusets, "cpuset.mems")) && Environment.UserName == "root",
            "needs root and a cgroup v1 cpuset hierarchy at /sys/fs/cgroup/cpuset to confine the twin to one core");
        var twin = RealTwin();
        int core = TestCores.UpToTwo[1];
        string group = Path.Combine(cpusets, $"fig1-probe-test-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(group);
        try
        {
            File.WriteAllText(Path.Combine(group, "cpuset.cpus"), $"{core}");
            File.WriteAllText(Path.Combine(group, "cpuset.mems"), File.ReadAllText(Path.Combine(cpusets, "cpuset.mems")).Trim());
            string confined = Path.Combine(TestCores.TempDir(), "confined_twin");
            File.WriteAllText(confined, $"#!/bin/sh\necho $$ > '{group}/tasks' || exit 99\nexec '{twin.Binary}' \"$@\"\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(confined, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Multikernel.Hardware.CoreAffinity.PinCurrentThread(core);
            try
            {
                var located = NativeTwin.Locate(confined, TextWriter.Null, out string why);
                Assert.True(located != null, why);
                Assert.Equal(twin.March, located.March);
            }
            finally { Multikernel.Hardware.CoreAffinity.UnpinCurrentThread(); }
        }
        finally { Directory.Delete(group); } // a cgroup directory goes with rmdir once its tasks have ended
    }

    /// <summary>The kernel path's twin takes the CPU driver's blocked-visit slice (-s) and refuses a bad one.</summary>
    [Fact]
    public void TheRealTwinTakesTheSliceOfTheKernelPathAndRefusesABadOne()
    {
        Assert.SkipUnless(TestCores.HasTwo, "needs two cores: MSG has a server core and a client core");
        var twin = RealTwin();
        string cores = string.Join(',', TestCores.UpToTwo);
        (int Exit, string Out) Twin(params string[] args)
        {
            var psi = new System.Diagnostics.ProcessStartInfo(twin.Binary) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in (string[])["msg", "-c", cores, "-l", "2", "-i", "100", "-r", "2", "-w", "10", .. args]) psi.ArgumentList.Add(a);
            using var p = System.Diagnostics.Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            string o = p.StandardOutput.ReadToEnd();
            Assert.True(p.WaitForExit(60_000), "the twin did not end within 60 s");
            return (p.ExitCode, o + err.Result);
        }
        Assert.True(NativeTwin.KernelSliceCycles > 0);
        var ok = Twin("-k", "-s", NativeTwin.KernelSliceCycles.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0, ok.Exit);
        Assert.Contains($"slice_cycles {NativeTwin.KernelSliceCycles}\n", ok.Out);
        Assert.Contains("check ok", ok.Out);
        var bad = Twin("-k", "-s", "10us");
        Assert.Equal(2, bad.Exit);
        Assert.Contains("-s must be 0..10^12 cycles", bad.Out);
        var raw = Twin("-s", "100");
        Assert.Equal(2, raw.Exit);
        Assert.Contains("-s applies to the kernel path (-k) only", raw.Out);
    }

    /// <summary>
    /// The twin takes its numbers whole: text after the digits, or a number too large for its type, is refused (exit 2,
    /// naming the option) instead of being read as far as it goes (atol's "100x" is 100) or wrapped (atoi's
    /// "4294967298" is 2), which ran a point of another size than the one asked for. A core list is whole numbers
    /// joined by single commas: an empty entry (a trailing comma, two commas) or a sign is refused, not skipped.
    /// </summary>
    [Theory]
    [InlineData("-l", "2.5")]
    [InlineData("-l", "4294967298")]
    [InlineData("-i", "100x")]
    [InlineData("-r", "2r")]
    [InlineData("-w", "10abc")]
    [InlineData("-W", "1w")]
    [InlineData("-c", "0,")]
    [InlineData("-c", "0,,0")]
    [InlineData("-c", "+0")]
    public void TheRealTwinRefusesANumberWithTextAfterItOrTooLarge(string option, string value)
    {
        var twin = RealTwin();
        (int Exit, string Out, string Err) Twin(params string[] args)
        {
            var psi = new System.Diagnostics.ProcessStartInfo(twin.Binary) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = System.Diagnostics.Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            string o = p.StandardOutput.ReadToEnd();
            Assert.True(p.WaitForExit(60_000), "the twin did not end within 60 s");
            return (p.ExitCode, o, err.Result);
        }
        var run = Twin("shm", "-c", TestCores.First(1)[0].ToString(System.Globalization.CultureInfo.InvariantCulture), "-l", "1", "-i", "100", "-r", "2", "-w", "10", option, value);
        Assert.True(run.Exit == 2, $"{option} {value}: exit {run.Exit}, expected 2 (bad arguments); output: {run.Out}{run.Err}");
        Assert.Contains($"{option} ", run.Err);
    }

    /// <summary>Both MSG paths of the twin: the kernel path's (waitset, handler upcalls: msg -k) and the raw loops.</summary>
    [Theory]
    [InlineData(MsgPath.Kernel)]
    [InlineData(MsgPath.Raw)]
    public void TheRealTwinRunsMsgAndChecksEveryReply(MsgPath path)
    {
        Assert.SkipUnless(TestCores.HasTwo, "needs two cores: MSG has a server core and a client core");
        var twin = RealTwin();
        var run = twin.Msg(TestCores.UpToTwo, 8, Small, path);
        Assert.Null(run.Failure);
        Assert.Equal(Small.Repetitions, run.CyclesPerOp.Length); // one client
        Assert.NotEmpty(run.ServerCyclesPerOp);
        Assert.All(run.ServerCyclesPerOp, c => Assert.True(c > 0));
    }
}
