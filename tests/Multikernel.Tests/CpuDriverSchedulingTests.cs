using System.Runtime.CompilerServices;

namespace Multikernel.Tests;

/// <summary>
/// The CPU driver's visits: a blocked dispatcher (nothing handled, no local work) is visited on a
/// <see cref="CpuDriverThread.BlockedVisitInterval"/>-th round while another dispatcher of the core is runnable, at most
/// once per <see cref="CpuDriverThread.BlockedVisitSlice"/>, every round while none is, and never starves: its messages
/// are handled while a neighbour spins.
/// </summary>
public class CpuDriverSchedulingTests
{
    /// <summary>Always has local work (a polling driver, a measuring dispatcher); counts its run upcalls.</summary>
    sealed class Spinner : Dispatcher
    {
        public long Runs;
        public volatile bool Stop;
        public Spinner() : base("spinner") { }
        protected internal override bool HasLocalWork => !Stop;
        protected internal override bool Run()
        {
            Runs++;
            return false;
        }
    }

    /// <summary>Never has local work; handles messages from one ring; counts its run upcalls and messages.</summary>
    sealed class Listener(UrpcReceiver? receiver) : Dispatcher("listener")
    {
        public long Runs, Handled, OutOfOrder;
        public long HandledSoFar => Volatile.Read(ref Handled);
        protected internal override void OnStart()
        {
            if (receiver != null)
                Waitset.Add(receiver, (in UrpcMessage m) =>
                {
                    if ((long)m[0] != Handled) OutOfOrder++;
                    Volatile.Write(ref Handled, Handled + 1);
                });
        }
        protected internal override bool Run()
        {
            Runs++;
            return false;
        }
    }

    readonly record struct Numbered(long N) : IUrpcMessage<Numbered>
    {
        public byte Type => 1;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) => w[0] = (ulong)N;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Numbered Decode(in UrpcMessage m) => new((long)m[0]);
    }

    static int FirstCore => CoreAffinity.AllowedCpus()[0];

    static void RunFor(CpuDriverThread driver, Func<bool> until, TimeSpan timeout)
    {
        driver.Start("sched-test");
        Assert.True(driver.Started.Wait(timeout), "the CPU driver did not start");
        var deadline = DateTime.UtcNow + timeout;
        while (!until() && DateTime.UtcNow < deadline) Thread.Sleep(1);
        driver.RequestStop();
        Assert.True(driver.Join(timeout), "the CPU driver did not stop");
        Assert.Null(driver.Fault);
    }

    [Fact]
    public void BlockedDispatcherIsVisitedEveryIntervalWhileANeighbourIsRunnable()
    {
        using var driver = new CpuDriverThread(FirstCore, 0, WaitPolicy.Default, blockedVisitSlice: TimeSpan.Zero); // the round rule alone
        var spinner = new Spinner();
        var listener = new Listener(null);
        driver.Adopt(listener);
        driver.Adopt(spinner);
        RunFor(driver, () => Volatile.Read(ref spinner.Runs) >= 50_000, TimeSpan.FromSeconds(60));
        // Round 1 visits both; from then on the spinner is runnable every round and the listener is blocked, so the
        // listener's run upcalls are one per BlockedVisitInterval rounds (plus that first one).
        long expected = spinner.Runs / CpuDriverThread.BlockedVisitInterval;
        Assert.True(spinner.Runs >= 50_000, $"the spinner ran only {spinner.Runs} times");
        Assert.InRange(listener.Runs, expected - 1, expected + 2);
    }

    [Fact]
    public void WithATimeSliceABlockedDispatcherIsVisitedAtMostOncePerSliceWhileANeighbourIsRunnable()
    {
        var slice = TimeSpan.FromMilliseconds(2);
        using var driver = new CpuDriverThread(FirstCore, 0, WaitPolicy.Default, blockedVisitSlice: slice);
        Assert.Equal(slice, driver.BlockedVisitSlice);
        var spinner = new Spinner();
        var listener = new Listener(null);
        driver.Adopt(listener);
        driver.Adopt(spinner);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // 200 ms and a visit on the slice rule: when the driver's thread gets the CPU is the machine's scheduling, so the
        // second visit is waited for (the 60 s limit only guards against a slice rule that never visits again).
        RunFor(driver, () => clock.Elapsed >= TimeSpan.FromMilliseconds(200) && Volatile.Read(ref listener.Runs) >= 2, TimeSpan.FromSeconds(60));
        var elapsed = clock.Elapsed; // from before the driver started to after it stopped: covers every visit
        // Visits on the slice rule are at least one slice apart; round 1 visits both, and the first slice visit may come
        // on the 16th round. However the machine schedules the core, there cannot be more.
        long most = (long)(elapsed / slice) + 2;
        Assert.InRange(listener.Runs, 2, most);
        // Far fewer visits than the round rule alone would make: the spinner ran many rounds per slice.
        Assert.True(spinner.Runs / CpuDriverThread.BlockedVisitInterval > 4 * listener.Runs,
            $"the spinner ran {spinner.Runs} rounds and the listener {listener.Runs} in {elapsed.TotalMilliseconds:F0} ms");
    }

    /// <summary>Retires a dispatcher of its core from its first run upcall, then tries the same again and keeps what the second try said.</summary>
    sealed class Retirer(Dispatcher victim) : Dispatcher("retirer")
    {
        public volatile bool Done;
        public Exception? SecondTry;
        protected internal override bool HasLocalWork => !Done;
        protected internal override bool Run()
        {
            if (Done) return false;
            Driver.Retire(victim);
            try { Driver.Retire(victim); }
            catch (ArgumentException e) { SecondTry = e; }
            Done = true;
            return true;
        }
    }

    /// <summary>
    /// Retiring the middle dispatcher of a core's table removes it alone: the dispatchers after it keep their upcalls
    /// (their table indexes move down), and retiring it again is refused.
    /// </summary>
    [Fact]
    public void ARetiredDispatcherGetsNoUpcallsTheOthersKeepTheirsAndASecondRetireIsRefused()
    {
        using var driver = new CpuDriverThread(FirstCore, 0, WaitPolicy.Default);
        var first = new Spinner();
        var middle = new Spinner();
        var retirer = new Retirer(middle);
        var last = new Spinner();
        driver.Adopt(first);
        driver.Adopt(middle);
        driver.Adopt(retirer);
        driver.Adopt(last);
        long middleRunsAtRetire = -1, lastRunsAtRetire = -1;
        RunFor(driver, () =>
        {
            if (!retirer.Done) return false;
            if (middleRunsAtRetire < 0) { Thread.Sleep(20); middleRunsAtRetire = Volatile.Read(ref middle.Runs); lastRunsAtRetire = Volatile.Read(ref last.Runs); }
            return Volatile.Read(ref last.Runs) > lastRunsAtRetire + 1000;
        }, TimeSpan.FromSeconds(30));
        Assert.Equal(middleRunsAtRetire, middle.Runs);
        Assert.True(last.Runs > lastRunsAtRetire + 1000, $"the last dispatcher made {last.Runs - lastRunsAtRetire} run upcalls after the retire");
        Assert.True(first.Runs > 0);
        var e = Assert.IsType<ArgumentException>(retirer.SecondTry);
        Assert.Contains("is not a dispatcher of core", e.Message);
    }

    /// <summary>Never has local work; counts how often the driver asks (each idle check and each visit asks once) and its run upcalls.</summary>
    sealed class CountingIdler() : Dispatcher("idler")
    {
        long _checks, _runs;
        public long Checks => Volatile.Read(ref _checks);
        public long Runs => Volatile.Read(ref _runs);
        protected internal override bool Run()
        {
            Volatile.Write(ref _runs, _runs + 1);
            return false;
        }
        protected internal override bool HasLocalWork
        {
            get
            {
                Volatile.Write(ref _checks, _checks + 1);
                return false;
            }
        }
    }

    /// <summary>
    /// An idle core polls for its budget once since its last progress, then only sleeps: a bounded sleep that ends with
    /// nothing to do is followed by one round and the next sleep, not by another full poll budget. With a 50 ms budget
    /// and no work at all, a 300 ms window long after the first budget sees a few checks per 2 ms sleep (hundreds), where
    /// polling again after every sleep would check millions of times.
    /// </summary>
    [Fact]
    public void AnIdleCoreSpendsItsPollBudgetOncePerIdleSpellNotAfterEverySleep()
    {
        using var driver = new CpuDriverThread(FirstCore, 0, WaitPolicy.ForDuration(TimeSpan.FromMilliseconds(50), spinIterations: 0));
        var idler = new CountingIdler();
        driver.Adopt(idler);
        long checksInWindow = 0;
        RunFor(driver, () =>
        {
            Thread.Sleep(200); // the first (and only) poll budget of this idle spell is spent
            long before = idler.Checks;
            Thread.Sleep(300);
            checksInWindow = idler.Checks - before;
            return true;
        }, TimeSpan.FromSeconds(30));
        Assert.True(checksInWindow < 20_000,
            $"an idle core checked for work {checksInWindow} times in 300 ms, 250 ms after its 50 ms poll budget was spent: it polls again after every bounded sleep");
    }

    [Fact]
    public void ANegativeSliceIsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new CpuDriverThread(FirstCore, 0, WaitPolicy.Default, blockedVisitSlice: TimeSpan.FromTicks(-1)));

    /// <summary>
    /// With no dispatcher runnable, every round visits every dispatcher. Once the poll budget is spent, the core checks
    /// for work twice between two rounds (on entering its idle step and after announcing sleep) and each visit asks
    /// once more: about three checks per run upcall. A round that skipped the blocked dispatchers would add two checks
    /// and no run upcall (visits on every 16th round only: about 33 checks per run upcall).
    /// </summary>
    [Fact]
    public void EveryDispatcherIsVisitedEveryRoundWhileNoneIsRunnable()
    {
        // A short poll budget: the core idles (polls, then sleeps) between rounds; every round still visits both.
        using var driver = new CpuDriverThread(FirstCore, 0, new WaitPolicy(2_000));
        var a = new CountingIdler();
        var b = new CountingIdler();
        driver.Adopt(a);
        driver.Adopt(b);
        RunFor(driver, () => b.Runs >= 200, TimeSpan.FromSeconds(60));
        Assert.True(b.Runs >= 200, $"only {b.Runs} rounds ran");
        Assert.Equal(a.Runs, b.Runs);
        Assert.True(b.Checks < 5 * b.Runs + 1000,
            $"{b.Checks} checks for work over {b.Runs} visits: rounds went by without visiting the blocked dispatchers although none was runnable");
    }

    [Fact]
    public void BlockedDispatcherGetsEveryMessageWhileANeighbourSpins()
    {
        const int Messages = 20_000;
        using var ring = UrpcRing.Allocate(16);
        using var driver = new CpuDriverThread(FirstCore, 0, WaitPolicy.Default);
        var spinner = new Spinner();
        var listener = new Listener(ring.Receiver);
        driver.Adopt(spinner);
        driver.Adopt(listener);
        var sender = new Thread(() =>
        {
            for (int i = 0; i < Messages; i++)
            {
                ring.Sender.Send(new Numbered(i));
                if (i % 1000 == 999) Thread.Sleep(1); // let the listener block between bursts
            }
        }) { IsBackground = true };
        driver.Start("sched-test");
        Assert.True(driver.Started.Wait(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken));
        sender.Start();
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (listener.HandledSoFar < Messages && DateTime.UtcNow < deadline) Thread.Sleep(1);
        Assert.True(sender.Join(TimeSpan.FromMinutes(1)), "the sender is stuck: the listener stopped draining its ring");
        spinner.Stop = true;
        driver.RequestStop();
        Assert.True(driver.Join(TimeSpan.FromMinutes(1)));
        Assert.Null(driver.Fault);
        Assert.Equal(Messages, listener.Handled);
        Assert.Equal(0, listener.OutOfOrder);
        Assert.True(spinner.Runs > 0);
    }
}
