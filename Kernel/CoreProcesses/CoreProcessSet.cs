using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Multikernel.CpuDriver;
using Multikernel.Hardware;
using Multikernel.Urpc;
using static Multikernel.Monitor.MonitorMessages;

namespace Multikernel.CoreProcesses;

/// <summary>
/// The boot process's side of a process-mode system: the shared region, one core process per core, the host ports
/// into their monitors and the reply ports back, and the supervisor thread that launches the core processes, takes
/// their replies and watches them.
/// <para>Launch: the supervisor thread pins itself to a core's CPU, starts the core process (which inherits that
/// affinity, so every thread it ever has is confined to the core from exec on) and unpins itself; the child then
/// asks for SIGKILL when this thread ends and moves to a process group of its own. The supervisor therefore lives
/// until every core process has exited.</para>
/// <para>Faults: a core process that exits while the system is not shutting down (or exits non-zero during shutdown)
/// fails the system: every pending request fails with a <see cref="CoreProcessExitedException"/> naming the core, every
/// later call throws it, and the remaining core processes are killed, so no wait ever hangs on a dead core. The
/// supervisor checks every <see cref="WatchInterval"/>.</para>
/// <para>Shutdown: once it has begun no request is written into a host port (a call is either ahead of the stop
/// message or refused with <see cref="ObjectDisposedException"/>); a request still unanswered when the core processes
/// have exited fails with <see cref="OperationCanceledException"/>, so no caller waits for ever.</para>
/// <para>Invariants: the host ports are written under one lock per port (any host thread may ask), and never once
/// shutdown has begun, except for the stop message; the reply ports are read only by the supervisor, and by
/// <see cref="Shutdown"/> after it has stopped; a request id is in <see cref="_pending"/> until its reply arrives, the
/// system fails, or the system has shut down.</para>
/// </summary>
internal sealed class CoreProcessSet
{
    /// <summary>How often the supervisor checks that every core process is alive.</summary>
    public static readonly TimeSpan WatchInterval = TimeSpan.FromMilliseconds(10);

    readonly SharedRegion _region;
    readonly CoreProgram _program;
    readonly int[] _cpus;
    readonly UrpcSender[] _ports;
    readonly UrpcReceiver[] _replies;
    readonly Process?[] _processes;
    // The core processes' ids, kept apart from the Process objects, which Shutdown disposes (a disposed one has no Id).
    readonly int[] _pids;
    readonly ConcurrentDictionary<ulong, Pending> _pending = new();
    readonly Thread _supervisor;
    readonly ManualResetEventSlim _launched = new(false);
    volatile Exception? _failure;
    volatile bool _shuttingDown, _stopSupervisor, _failureDelivered;
    long _nextRequest;

    sealed record Pending(int Core, string What, TaskCompletionSource<CoreArgs> Done);

    public SharedRegion Region => _region;
    public Exception? Failure => _failure;
    /// <summary>True once the failure has been thrown to a caller or set on a task a caller holds.</summary>
    public bool FailureDelivered => _failureDelivered;
    /// <summary>The core processes' ids by core index (0: not launched), also after the shutdown.</summary>
    public IReadOnlyList<int> ProcessIds => (int[])_pids.Clone();

    CoreProcessSet(SharedRegion region, CoreProgram program, int[] cpus, LaunchCommand launchCommand)
    {
        _launchCommand = launchCommand;
        _region = region;
        _program = program;
        _cpus = cpus;
        int n = cpus.Length;
        _ports = new UrpcSender[n];
        _replies = new UrpcReceiver[n];
        _processes = new Process?[n];
        _pids = new int[n];
        for (int c = 0; c < n; c++)
        {
            _ports[c] = region.HostPortInto(c).Sender;
            _replies[c] = region.HostPortFrom(c).Receiver;
        }
        _supervisor = new Thread(Supervise) { Name = "multikernel-supervisor", IsBackground = true };
    }

    /// <summary>Creates the region, starts a core process on every core and waits until each has its CPU driver running.</summary>
    public static CoreProcessSet Start(SharedRegion.Layout layout, CoreProgram program, TimeSpan timeout)
    {
        var command = LaunchCommand.For(program.Assembly);
        var region = SharedRegion.Create(layout);
        CoreProcessSet set;
        try { set = new CoreProcessSet(region, program, layout.Cpus, command); }
        catch
        {
            region.Dispose();
            throw;
        }
        try
        {
            set._supervisor.Start();
            set.WaitFor(() => set._launched.IsSet, timeout, "the core processes to be launched");
            set.WaitFor(() => Enumerable.Range(0, layout.Cpus.Length).All(c => region.StateOf(c) == SharedRegion.StateUp), timeout,
                "every core process to start its CPU driver");
            return set;
        }
        catch
        {
            set.Shutdown(TimeSpan.FromSeconds(5));
            throw;
        }
    }

    readonly LaunchCommand _launchCommand;

    /// <summary>Sends a request registered as <paramref name="name"/> to core <paramref name="core"/>'s monitor.</summary>
    public Task<CoreArgs> Request(int core, string name, CoreArgs args)
    {
        if (!_program.HasRequest(name)) throw new ArgumentException($"no request '{name}' is registered in {_program.Assembly.GetName().Name}'s core program", nameof(name));
        return Ask(core, $"request '{name}'", id => UrpcMessage.From(new HostRequest(id, CoreProgram.IdOf(name), args)));
    }

    /// <summary>Asks core <paramref name="core"/>'s monitor to start a dispatcher from the image registered as <paramref name="image"/>.</summary>
    public Task<DispatcherId> Spawn(int core, string image, CoreArgs args)
    {
        if (!_program.HasImage(image)) throw new ArgumentException($"no dispatcher image '{image}' is registered in {_program.Assembly.GetName().Name}'s core program", nameof(image));
        return Ask(core, $"spawning '{image}'", id => UrpcMessage.From(new HostSpawn(id, CoreProgram.IdOf(image), args)))
            .ContinueWith(t => DispatcherId.Unpack(t.GetAwaiter().GetResult().W0), TaskContinuationOptions.ExecuteSynchronously); // the request's own exception, not an AggregateException
    }

    Task<CoreArgs> Ask(int core, string what, Func<ulong, UrpcMessage> message)
    {
        ThrowIfFailed();
        ulong id = (ulong)Interlocked.Increment(ref _nextRequest);
        var pending = new Pending(core, what, new TaskCompletionSource<CoreArgs>(TaskCreationOptions.RunContinuationsAsynchronously));
        _pending[id] = pending;
        try { Post(core, message(id)); }
        catch (Exception e)
        {
            _pending.TryRemove(id, out _);
            pending.Done.TrySetException(e);
        }
        if (_failure is { } f && _pending.TryRemove(id, out _))
        {
            _failureDelivered = true;
            pending.Done.TrySetException(f);
        }
        return pending.Done.Task;
    }

    /// <summary>Writes a message into core <paramref name="core"/>'s host port, waiting while the port is full (and failing if the system fails or shuts down meanwhile).</summary>
    void Post(int core, UrpcMessage m) => TryPost(core, m, Timeout.InfiniteTimeSpan, stopMessage: false);

    /// <summary>
    /// Writes a message into core <paramref name="core"/>'s host port, waiting at most <paramref name="within"/>
    /// (infinite: no bound) for the port's lock and for room in it; false when the port was still taken or full then.
    /// Throws the system's failure if it fails meanwhile, and <see cref="ObjectDisposedException"/> once shutdown has
    /// begun unless this is the <paramref name="stopMessage"/> (the check runs under the port's lock, which the
    /// shutdown takes after setting its flag).
    /// </summary>
    bool TryPost(int core, UrpcMessage m, TimeSpan within, bool stopMessage)
    {
        var clock = Stopwatch.StartNew();
        bool bounded = within != Timeout.InfiniteTimeSpan;
        bool taken = false;
        try
        {
            System.Threading.Monitor.TryEnter(_ports[core], bounded ? within : Timeout.InfiniteTimeSpan, ref taken);
            if (!taken) return false;
            ThrowIfShuttingDown(core, stopMessage);
            var spin = new SpinWait();
            while (!_ports[core].TrySend(in m))
            {
                ThrowIfFailed();
                ThrowIfShuttingDown(core, stopMessage);
                if (bounded && clock.Elapsed >= within) return false;
                spin.SpinOnce(sleep1Threshold: -1);
            }
            return true;
        }
        finally
        {
            if (taken) System.Threading.Monitor.Exit(_ports[core]);
        }
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> holds; throws the system's failure (a dead core) or a timeout naming
    /// <paramref name="what"/>. It checks often at first and then every <see cref="WatchInterval"/> at most, so a long
    /// wait (a whole measurement) seldom takes a CPU from a polling core. <see cref="Timeout.InfiniteTimeSpan"/>: no
    /// bound but the system's failure.
    /// </summary>
    public void WaitFor(Func<bool> condition, TimeSpan timeout, string what)
    {
        MultikernelSystem.CheckWaitTimeout(timeout);
        var clock = Stopwatch.StartNew();
        for (int round = 0; !condition(); round++)
        {
            ThrowIfFailed();
            if (timeout != Timeout.InfiniteTimeSpan && clock.Elapsed > timeout) throw new TimeoutException($"timed out after {timeout.TotalSeconds:0.#} s waiting for {what}");
            if (round < 20) Thread.Yield();
            else Thread.Sleep(Math.Min((int)WatchInterval.TotalMilliseconds, round - 19));
        }
    }

    void ThrowIfShuttingDown(int core, bool stopMessage)
    {
        if (_shuttingDown && !stopMessage)
            throw new ObjectDisposedException(nameof(MultikernelSystem), $"the multikernel is shutting down: core #{core} (CPU {_cpus[core]}) takes no new request");
    }

    public void ThrowIfFailed()
    {
        if (_failure is not { } f) return;
        _failureDelivered = true;
        throw f;
    }

    void Supervise()
    {
        try
        {
            for (int c = 0; c < _cpus.Length; c++)
            {
                CoreAffinity.PinCurrentThread(_cpus[c]);
                try { _processes[c] = _launchCommand.Start(CoreProcess.Arguments(Environment.ProcessId, _region.MemoryFd, c)); }
                finally { CoreAffinity.UnpinCurrentThread(); }
                Volatile.Write(ref _pids[c], _processes[c]!.Id);
            }
            _launched.Set();
            var hostNotifier = _region.NotifierOf(-1);
            long nextWatch = 0;
            while (!_stopSupervisor)
            {
                bool any = false;
                for (int c = 0; c < _replies.Length; c++)
                    while (_replies[c].TryReceive(out var m)) { any = true; OnReply(c, in m); }
                if (Environment.TickCount64 >= nextWatch)
                {
                    Watch();
                    nextWatch = Environment.TickCount64 + (long)WatchInterval.TotalMilliseconds;
                }
                if (any) continue;
                // Block until a core replies (it wakes this notifier) or the next check is due: the supervisor wakes at
                // most every WatchInterval on its own, so it seldom takes a CPU from a polling core.
                hostNotifier.PrepareToSleep();
                if (AnyReply()) { hostNotifier.CancelSleep(); continue; }
                hostNotifier.SleepUpTo(WatchInterval);
            }
        }
        catch (Exception e)
        {
            Fail(new InvalidOperationException($"the multikernel supervisor stopped: {e.Message}", e));
        }
    }

    bool AnyReply()
    {
        foreach (var r in _replies) if (r.HasMessage()) return true;
        return false;
    }

    void OnReply(int core, in UrpcMessage m)
    {
        if (m.Type != HostReply.TypeId)
        {
            Fail(new InvalidOperationException($"core #{core} sent message type {m.Type} on its reply port"));
            return;
        }
        var reply = HostReply.Decode(in m);
        if (!_pending.TryRemove(reply.RequestId, out var p)) return;
        if (reply.Status == 0) p.Done.TrySetResult(reply.Result);
        else p.Done.TrySetException(new InvalidOperationException($"{p.What} on core #{core} (CPU {_cpus[core]}) failed: {_region.ReadError(core, reply.Status)}"));
    }

    /// <summary>Fails the system for the first core process that exited when it should not have.</summary>
    void Watch()
    {
        for (int c = 0; c < _processes.Length; c++)
        {
            var p = _processes[c];
            if (p == null || !p.HasExited) continue;
            if (_shuttingDown && p.ExitCode == CoreProcess.Done) continue;
            Fail(new CoreProcessExitedException(c, _cpus[c], p.Id, p.ExitCode, _region.LastError(c), _shuttingDown, duringBoot: _region.StateOf(c) == SharedRegion.StateStarting));
            return;
        }
    }

    void Fail(Exception e)
    {
        if (Interlocked.CompareExchange(ref _failure, e, null) != null) return;
        foreach (var id in _pending.Keys)
            if (_pending.TryRemove(id, out var p))
            {
                _failureDelivered = true;
                p.Done.TrySetException(e);
            }
        Kill();
    }

    void Kill()
    {
        foreach (var p in _processes)
        {
            try { if (p is { HasExited: false }) p.Kill(); }
            catch (InvalidOperationException) { } // exited meanwhile
        }
    }

    /// <summary>
    /// Stops every core (a shutdown message on each host port), waits for the core processes to exit, stops the
    /// supervisor and releases the region. Returns the failure (a dead core, a core that did not stop in time or exited
    /// non-zero), or null after a clean shutdown.
    /// </summary>
    public Exception? Shutdown(TimeSpan timeout)
    {
        _shuttingDown = true;
        var clock = Stopwatch.StartNew();
        // A core whose port stays full (it takes no messages) gets no shutdown message: it is then among the stuck
        // cores below, killed once the timeout has passed, so no wait here outlasts the timeout. A post fails only with
        // the system's failure (whatever it is: a dead core, the supervisor's end, a bad reply), which has killed the
        // core processes already: the rest of the shutdown still runs, and returns it.
        if (_failure == null)
            for (int c = 0; c < _ports.Length; c++)
            {
                var left = timeout - clock.Elapsed;
                try { TryPost(c, UrpcMessage.From(new Monitor.MonitorMessages.Shutdown()), left > TimeSpan.Zero ? left : TimeSpan.Zero, stopMessage: true); }
                catch (Exception e) when (ReferenceEquals(e, _failure)) { break; }
            }
        var stuck = new List<int>();
        for (int c = 0; c < _processes.Length; c++)
        {
            var p = _processes[c];
            if (p == null) continue;
            var left = timeout - clock.Elapsed;
            if (!p.WaitForExit(left > TimeSpan.Zero ? left : TimeSpan.Zero)) stuck.Add(c);
        }
        if (stuck.Count > 0 && _failure == null)
            Fail(new TimeoutException($"core processes of cores {string.Join(',', stuck.Select(c => $"#{c} (CPU {_cpus[c]})"))} did not stop within {timeout.TotalSeconds:0.#} s and were killed"));
        Kill();
        foreach (var p in _processes) p?.WaitForExit(TimeSpan.FromSeconds(10));
        Watch(); // a core that exited non-zero during shutdown
        _stopSupervisor = true;
        if (_supervisor.IsAlive) _supervisor.Join();
        // Answers a core sent before it exited, which the supervisor may have stopped before reading.
        for (int c = 0; c < _replies.Length; c++)
            while (_replies[c].TryReceive(out var m)) OnReply(c, in m);
        foreach (var id in _pending.Keys)
            if (_pending.TryRemove(id, out var p))
            {
                if (_failure != null) _failureDelivered = true;
                p.Done.TrySetException(_failure ?? new OperationCanceledException($"the multikernel shut down before core #{p.Core} (CPU {_cpus[p.Core]}) answered {p.What}"));
            }
        // A sender still inside a port's lock sees the flag and lets go: taking each lock waits for the last of them,
        // so that nothing writes into the region once it is unmapped.
        foreach (var port in _ports)
            lock (port) { }
        foreach (var p in _processes) p?.Dispose();
        _region.Dispose();
        _launched.Dispose();
        return _failure;
    }

    /// <summary>How to start this program again as a core process.</summary>
    internal sealed class LaunchCommand
    {
        readonly string _file;
        readonly string[] _prefix;

        LaunchCommand(string file, string[] prefix)
        {
            _file = file;
            _prefix = prefix;
        }

        /// <summary>
        /// The program's own executable when this process is it (an app host or a self-contained build), else the dotnet
        /// host running the program's dll with its runtime configuration (e.g. a test assembly loaded by a test host).
        /// </summary>
        public static LaunchCommand For(System.Reflection.Assembly program)
        {
            string name = program.GetName().Name ?? throw new ArgumentException("the core program's assembly has no name", nameof(program));
            string self = Environment.ProcessPath ?? "";
            if (Path.GetFileNameWithoutExtension(self) == name && System.Reflection.Assembly.GetEntryAssembly() == program)
                return new LaunchCommand(self, []);
            string dir = AppContext.BaseDirectory;
            string dll = Path.Combine(dir, name + ".dll");
            string config = Path.Combine(dir, name + ".runtimeconfig.json");
            if (!File.Exists(dll) || !File.Exists(config))
                throw new InvalidOperationException($"process mode starts the core program {name} as a process: {dll} with {Path.GetFileName(config)} must exist " +
                                                    "(the program must be an executable whose Main calls CoreProcess.Run when CoreProcess.IsRequested)");
            string deps = Path.Combine(dir, name + ".deps.json");
            var prefix = new List<string> { "exec", "--runtimeconfig", config };
            if (File.Exists(deps)) prefix.AddRange(["--depsfile", deps]);
            prefix.Add(dll);
            return new LaunchCommand(DotnetHost(self), [.. prefix]);
        }

        /// <summary>The dotnet host: <paramref name="self"/> if it is one, else the one that runs this runtime.</summary>
        internal static string DotnetHost(string self)
        {
            if (Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
            if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
            // <root>/shared/Microsoft.NETCore.App/<version>/ -> <root>/dotnet
            string root = Path.GetFullPath(Path.Combine(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
            string candidate = Path.Combine(root, "dotnet");
            return File.Exists(candidate) ? candidate : "dotnet";
        }

        /// <summary>Starts the process on the calling thread (whose affinity it inherits); output goes where this process's goes.</summary>
        public Process Start(string[] args)
        {
            var psi = new ProcessStartInfo(_file) { UseShellExecute = false };
            foreach (var a in _prefix) psi.ArgumentList.Add(a);
            foreach (var a in args) psi.ArgumentList.Add(a);
            if (CycleClock.Source == "tsc")
                psi.Environment[CycleClock.FrequencyVariable] = CycleClock.Frequency.ToString("R", CultureInfo.InvariantCulture);
            return Process.Start(psi) ?? throw new InvalidOperationException($"starting {_file} failed");
        }
    }
}
