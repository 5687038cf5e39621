using System.Runtime.CompilerServices;
using Multikernel.Monitor;

namespace Multikernel.Tests;

/// <summary>Requests one monitor makes of another: what is left behind when one cannot be sent or cannot be answered.</summary>
public class MonitorRequestTests
{
    sealed class Idle : Dispatcher
    {
        public Idle() : base("idle") { }
    }

    /// <summary>Asks <paramref name="m"/> to spawn on core index <paramref name="to"/> with a fresh image; the image is reachable only through what the monitor kept.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    static (Exception? Error, WeakReference Image) SpawnFreshImage(MonitorDispatcher m, int to)
    {
        var payload = new byte[64];
        Func<Dispatcher> image = () => { GC.KeepAlive(payload); return new Idle(); };
        var weak = new WeakReference(image);
        try { m.SpawnOn(to, image, static _ => { }); return (null, weak); }
        catch (Exception e) { return (e, weak); }
    }

    [Fact]
    public async Task SpawnToACoreThatIsNotBootedIsRefusedWithoutPinningTheImage()
    {
        using var mk = MultikernelSystem.Boot();
        var (error, image) = await mk.CallOn(0, m => SpawnFreshImage(m, m.CoreCount));
        Assert.IsAssignableFrom<ArgumentException>(error);
        for (int i = 0; i < 3 && image.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.False(image.IsAlive, "the refused spawn left the image's GC handle allocated");
    }

    [Fact]
    public async Task APingToItsOwnCoreOrOneNotBootedIsRefusedAndLeavesNothingPending()
    {
        using var mk = MultikernelSystem.Boot();
        var pending = await mk.CallOn(0, m =>
        {
            Assert.Throws<ArgumentException>(() => m.Ping(m.CoreCount, _ => { }));
            Assert.Throws<ArgumentException>(() => m.Ping(m.CoreIndex, _ => { }));
            return m.PendingPings;
        });
        Assert.Equal(0, pending);
    }

    /// <summary>
    /// A spawn or a bind from core 0 whose reply comes only after core 0 has stopped (core 1 is held until then: by the
    /// spawned image itself, or by a host call the bind request queues behind) still completes once the system is down.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ShutdownCompletesARequestWhoseReplyCanNoLongerBeReceived(bool bind)
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.SkipWhen(CoreAffinity.AllowedCpus().Count < 2, "needs a second core whose reply reaches a stopped one; this process may use one");
        var mk = MultikernelSystem.Boot();
        using var entered = new ManualResetEventSlim(false);
        using var release = new ManualResetEventSlim(false);
        void Hold() { entered.Set(); release.Wait(); }
        Task<int>? hold = bind ? mk.CallOn(1, _ => { Hold(); return 0; }) : null;
        Task request = bind ? Task.CompletedTask : mk.SpawnAsync(0, 1, () => { Hold(); return new Idle(); });
        Assert.True(entered.Wait(TimeSpan.FromSeconds(10), ct), "core 1 was not held");
        if (bind)
        {
            long sentBefore = mk.MonitorMessagesSent()[0, 1];
            request = mk.BindAsync(0, 1);
            // The situation under test needs the bind request on its way to core 1 before the shutdown starts: wait
            // for core 0's monitor to have sent it (its count of messages to core 1 grows), never on a guessed delay.
            var sentBy = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (mk.MonitorMessagesSent()[0, 1] == sentBefore)
            {
                Assert.False(request.IsCompleted, $"the bind ended before core 0 sent its request: {request.Status}");
                Assert.True(DateTime.UtcNow < sentBy, "core 0 did not send the bind request within 10 s (hang guard)");
                await Task.Delay(5, ct);
            }
            Assert.False(request.IsCompleted, "the bind was answered although core 1 is held");
        }
        var shutdown = Task.Run(mk.Dispose, ct);
        await Task.Delay(300, ct);
        release.Set();
        await shutdown.WaitAsync(TimeSpan.FromSeconds(20), ct);
        if (hold != null) await hold;
        var first = await Task.WhenAny(request, Task.Delay(TimeSpan.FromSeconds(5), ct));
        Assert.True(first == request, $"the requester of a {(bind ? "bind" : "spawn")} still waits after the system shut down");
        if (bind) Assert.True(request.IsFaulted);
        else if (request.IsFaulted) Assert.Contains("stopped", request.Exception!.InnerException!.Message);
    }

    /// <summary>A dispatcher whose first run upcall waits until released and then throws: its core's CPU driver faults with nothing read after the hold.</summary>
    sealed class HoldsThenFaults(ManualResetEventSlim entered, ManualResetEventSlim release) : Dispatcher("holds then faults")
    {
        protected internal override bool HasLocalWork => true;

        protected internal override bool Run()
        {
            entered.Set();
            release.Wait();
            throw new InvalidDataException("injected fault");
        }
    }

    /// <summary>
    /// Boots two cores and holds core 1 in a <see cref="HoldsThenFaults"/> dispatcher's run upcall, which faults once
    /// <paramref name="release"/> is set; skips with fewer than two cores. The caller sets release and disposes.
    /// </summary>
    static MultikernelSystem BootWithCore1Held(ManualResetEventSlim entered, ManualResetEventSlim release)
    {
        var cpus = CoreAffinity.AllowedCpus();
        Assert.SkipWhen(cpus.Count < 2, "needs a second core to fault; this process may use one");
        var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = [cpus[0], cpus[1]] });
        try
        {
            BootedSystem.Wait(mk.SpawnAsync(1, 1, () => new HoldsThenFaults(entered, release)));
            Assert.True(entered.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken), "core 1 was not held");
            return mk;
        }
        catch
        {
            release.Set();
            Record.Exception(() => mk.Dispose());
            throw;
        }
    }

    /// <summary>
    /// A ping to a core whose CPU driver faults before it reads the ping (core 1 is held in a dispatcher's run upcall
    /// while core 0 pings it, then faults there) fails naming the fault instead of staying pending for ever, and a
    /// ping sent once the fault is known fails at once; neither leaves a pending entry.
    /// </summary>
    [Fact]
    public void APingToACoreWhoseCpuDriverFaultsFailsNamingTheFault()
    {
        using var entered = new ManualResetEventSlim(false);
        using var release = new ManualResetEventSlim(false);
        var mk = BootWithCore1Held(entered, release);
        Exception? shutdown;
        try
        {
            var pending = mk.CallOnAsync<Exception?>(0, (m, done) => m.Ping(1, done));
            Assert.True(SpinWait.SpinUntil(() => BootedSystem.Wait(mk.CallOn(0, m => m.PendingPings)) == 1, TimeSpan.FromSeconds(10)),
                "core 0's ping to core 1 was never pending");
            release.Set();
            Assert.True(((IAsyncResult)pending).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(20)), "the ping to the faulted core was still pending 20 s after the fault");
            var failed = BootedSystem.Wait(pending);
            Assert.NotNull(failed);
            Assert.Contains("core #1", failed.Message);
            Assert.Contains("injected fault", failed.Message);
            var later = BootedSystem.Wait(mk.CallOnAsync<Exception?>(0, (m, done) => m.Ping(1, done)));
            Assert.NotNull(later);
            Assert.Contains("injected fault", later.Message);
            Assert.Equal(0, BootedSystem.Wait(mk.CallOn(0, m => m.PendingPings)));
        }
        finally
        {
            release.Set();
            shutdown = Record.Exception(() => mk.Dispose());
        }
        Assert.Contains("CPU drivers faulted", Assert.IsType<AggregateException>(shutdown).Message);
    }

    /// <summary>
    /// A spawn or bind asked of a core whose CPU driver faults while the request waits in its host port (core 1 is held
    /// in a dispatcher's run upcall, then faults) fails with the fault's own exception, naming it, as in process mode:
    /// the continuations read the abandoned call's result with <c>Task.Result</c>, so the caller got an
    /// <see cref="AggregateException"/> around it, which a <c>catch (InvalidOperationException)</c> misses.
    /// </summary>
    [Fact]
    public void ASpawnOrBindWaitingOnACoreThatFaultsFailsWithTheFaultsOwnException()
    {
        using var entered = new ManualResetEventSlim(false);
        using var release = new ManualResetEventSlim(false);
        var mk = BootWithCore1Held(entered, release);
        try
        {
            var spawn = mk.SpawnAsync(1, 0, () => new Idle());
            var bind = mk.BindAsync(1, 0);
            release.Set();
            Assert.True(((IAsyncResult)Task.WhenAll(spawn, bind).ContinueWith(_ => { }, TaskScheduler.Default)).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(20)),
                $"the spawn and bind posted to the faulted core were still pending 20 s after the fault (spawn {spawn.Status}, bind {bind.Status})");
            foreach (var (task, what) in new (Task, string)[] { (spawn, "spawn"), (bind, "bind") })
            {
                Assert.True(task.IsFaulted, $"the {what} posted to the faulted core did not fail: {task.Status}");
                var error = task.Exception!.InnerException!;
                Assert.True(error is InvalidOperationException, $"the {what} failed with {error.GetType().Name}, not the fault's InvalidOperationException: {error.Message}");
                Assert.Contains("injected fault", error.Message);
            }
        }
        finally
        {
            release.Set();
            Record.Exception(() => mk.Dispose());
        }
    }

    /// <summary>
    /// A host call that waits for room in the host port of a core whose CPU driver then faults fails naming the fault,
    /// and so does every call already in the port: core 1 is held in a dispatcher's run upcall while a host thread
    /// posts calls to it until its port is full and the next post waits, then core 1 faults. The waiting post held
    /// the port's lock, which the faulted core needs to fail the posted calls, so both used to wait for Shutdown; and
    /// the shutdown then waited its whole timeout to put its stop message into that full port.
    /// </summary>
    [Fact]
    public void AHostCallWaitingForRoomInTheFullPortOfACoreThatFaultsFailsNamingTheFault()
    {
        using var entered = new ManualResetEventSlim(false);
        using var release = new ManualResetEventSlim(false);
        var mk = BootWithCore1Held(entered, release);
        var posted = new System.Collections.Concurrent.ConcurrentQueue<Task<bool>>();
        Thread? poster = null;
        Exception? blockedPost = null;
        try
        {
            poster = new Thread(() =>
            {
                try
                {
                    for (int i = 0; i < 64; i++) posted.Enqueue(mk.CallOnAsync<bool>(1, static (_, done) => done(true)));
                }
                catch (Exception e) { blockedPost = e; }
            }) { IsBackground = true };
            poster.Start();
            // The port is full once the count of posted calls stops growing while the poster still runs.
            int seen = -1;
            var full = System.Diagnostics.Stopwatch.StartNew();
            while (poster.IsAlive && (posted.Count != seen || full.ElapsedMilliseconds < 300))
            {
                if (posted.Count != seen) { seen = posted.Count; full.Restart(); }
                Assert.True(seen < 64, "core 1's host port took 64 calls while core 1 was held");
                Thread.Sleep(10);
            }
            Assert.True(poster.IsAlive, $"the poster ended after {posted.Count} calls without waiting for room: {blockedPost}");
            release.Set();
            Assert.True(poster.Join(TimeSpan.FromSeconds(20)),
                $"the post waiting for room in the faulted core's full host port was still waiting 20 s after the fault ({posted.Count} calls posted, {posted.Count(t => t.IsCompleted)} of them done)");
            var error = Assert.IsType<InvalidOperationException>(blockedPost);
            Assert.Contains("core #1", error.Message);
            Assert.Contains("injected fault", error.Message);
            foreach (var call in posted)
            {
                Assert.True(((IAsyncResult)call).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(20)), "a call in the faulted core's port was still pending 20 s after the fault");
                Assert.True(call.IsFaulted, $"a call in the faulted core's port did not fail: {call.Status}");
                Assert.Contains("injected fault", call.Exception!.InnerException!.Message);
            }
            // The stop message does not fit into the dead core's full port; the shutdown stops that core directly
            // instead of waiting its whole timeout for room that never comes.
            var stopping = System.Diagnostics.Stopwatch.StartNew();
            Record.Exception(() => mk.Shutdown(TimeSpan.FromSeconds(60)));
            Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(30), $"the shutdown waited {stopping.Elapsed.TotalSeconds:0.#} s on the faulted core's full port");
        }
        finally
        {
            release.Set();
            Record.Exception(() => mk.Dispose());
            poster?.Join(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>
    /// A ping whose own core stops (the system shuts down) before the answer came is told so, like its spawns and
    /// binds: core 1 is held in a host call, so it cannot answer, while core 0 stops. The ping's callback records what
    /// it was told (not a host task, which the shutdown would fail by itself).
    /// </summary>
    [Fact]
    public void APingPendingWhenItsOwnCoreStopsIsToldSo()
    {
        var cpus = CoreAffinity.AllowedCpus();
        Assert.SkipWhen(cpus.Count < 2, "needs a second core to hold while the first stops; this process may use one");
        var ct = TestContext.Current.CancellationToken;
        var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = [cpus[0], cpus[1]] });
        using var entered = new ManualResetEventSlim(false);
        using var release = new ManualResetEventSlim(false);
        using var told = new ManualResetEventSlim(false);
        Exception? answer = null;
        int calls = 0;
        Task? shutdown = null;
        try
        {
            _ = mk.CallOn(1, _ => { entered.Set(); release.Wait(); return 0; });
            Assert.True(entered.Wait(TimeSpan.FromSeconds(10), ct), "core 1 was not held");
            BootedSystem.Wait(mk.CallOn(0, m =>
            {
                m.Ping(1, e => { answer = e; Interlocked.Increment(ref calls); told.Set(); });
                return 0;
            }));
            Assert.Equal(1, BootedSystem.Wait(mk.CallOn(0, m => m.PendingPings)));
            shutdown = Task.Run(() => mk.Dispose(), ct);
            Assert.True(told.Wait(TimeSpan.FromSeconds(10), ct), "the ping's callback was never called although core 0 stopped");
            Assert.IsType<OperationCanceledException>(answer);
            Assert.Contains("core #0 stopped", answer.Message);
        }
        finally
        {
            release.Set();
            ((IAsyncResult)(shutdown ?? Task.Run(() => mk.Dispose(), ct))).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(30));
        }
        Assert.Equal(1, Volatile.Read(ref calls));
    }

    /// <summary>
    /// A bind whose request failed because its server core was reported faulted (here core 0 is told so while core 1,
    /// held by a host call, has not yet read the request) gets its reply late when the server did answer: the
    /// binding in that reply is freed, not left allocated (and pinned by its handle) until the system shuts down.
    /// </summary>
    [Fact]
    public void ABindReplyArrivingAfterItsRequestFailedFreesTheBinding()
    {
        var cpus = CoreAffinity.AllowedCpus();
        Assert.SkipWhen(cpus.Count < 2, "needs a second core to serve the bind; this process may use one");
        var ct = TestContext.Current.CancellationToken;
        using var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = [cpus[0], cpus[1]] });
        using var entered = new ManualResetEventSlim(false);
        using var release = new ManualResetEventSlim(false);
        var hold = mk.CallOn(1, _ => { entered.Set(); release.Wait(); return 0; });
        Assert.True(entered.Wait(TimeSpan.FromSeconds(10), ct), "core 1 was not held");
        long bytesBefore = NativeBlock.LiveBytes;
        var failed = BootedSystem.Wait(mk.CallOn(0, m =>
        {
            Exception? error = null;
            m.Bind(1, 16, r => error = r.Error);
            m.PeerFaulted(1, new InvalidDataException("injected fault"));
            return error;
        }));
        Assert.NotNull(failed);
        Assert.Contains("injected fault", failed.Message);
        long repliesBefore = mk.MonitorMessagesSent()[1, 0];
        release.Set();
        BootedSystem.Wait(hold);
        // Core 1 serves the request after the host call that held it: wait for its reply to be sent, never on a guessed delay.
        Assert.True(SpinWait.SpinUntil(() => mk.MonitorMessagesSent()[1, 0] > repliesBefore, TimeSpan.FromSeconds(10)), "core 1 did not answer the bind request within 10 s");
        Assert.True(SpinWait.SpinUntil(() => NativeBlock.LiveBytes == bytesBefore, TimeSpan.FromSeconds(10)),
            $"the binding core 1 made for the failed request is still allocated ({NativeBlock.LiveBytes - bytesBefore} bytes) 10 s after its reply");
    }

    /// <summary>
    /// After core 1 faulted, the messages core 0's monitor sends it that find its ring full (here 256 pongs, as replies
    /// to requests it sent before the fault would be) are dropped, not kept in a backlog: core 0's monitor is left with
    /// no local work, so its core can idle under the wait policy instead of polling for ever.
    /// </summary>
    [Fact]
    public async Task MessagesToAFaultedCoreThatFindItsRingFullAreDroppedSoTheMonitorCanIdle()
    {
        var ct = TestContext.Current.CancellationToken;
        var mk = MultikernelSystem.Boot();
        if (mk.CoreCount < 2) mk.Dispose();
        Assert.SkipUnless(mk.CoreCount >= 2, "needs two cores; this process may use one");
        try
        {
            await mk.SpawnAsync(1, 1, () => new FaultsOnStart()).ContinueWith(static _ => { }, TaskScheduler.Default).WaitAsync(TimeSpan.FromSeconds(30), ct);
            var told = System.Diagnostics.Stopwatch.StartNew();
            while (!await mk.CallOn(0, m => m.Agreement.Node.Faulted.Contains(1)).WaitAsync(TimeSpan.FromSeconds(30), ct))
            {
                Assert.True(told.Elapsed < TimeSpan.FromSeconds(10), "core 0's monitor was not told of core 1's fault within 10 s");
                await Task.Delay(1, ct);
            }
            bool busy = await mk.CallOn(0, m =>
            {
                for (ulong i = 0; i < 256; i++) m.SendTo(1, new MonitorMessages.Pong(i, 0));
                return m.HasLocalWork;
            }).WaitAsync(TimeSpan.FromSeconds(30), ct);
            Assert.False(busy, "core 0's monitor kept local work after sending to the faulted core 1: a backlog to it never drains");
        }
        catch
        {
            Record.Exception(() => mk.Dispose());
            throw;
        }
        Assert.IsType<InvalidDataException>(Assert.Single(Assert.IsType<AggregateException>(Record.Exception(() => mk.Shutdown(TimeSpan.FromSeconds(10)))).InnerExceptions));
    }
}
