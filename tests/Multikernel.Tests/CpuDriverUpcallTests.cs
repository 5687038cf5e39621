namespace Multikernel.Tests;

/// <summary>
/// The order of a dispatcher's upcalls when the table changes under a round: a dispatcher gets its start upcall before
/// any other upcall, and none at all once it is retired, whoever adopted or retired it and in which upcall.
/// </summary>
public class CpuDriverUpcallTests
{
    /// <summary>Writes down its upcalls, in order; says whether it was in its driver's table at each.</summary>
    sealed class Recorder(string name) : Dispatcher(name)
    {
        readonly List<string> _upcalls = new();
        public volatile bool Ran;

        public string[] Upcalls { get { lock (_upcalls) return [.. _upcalls]; } }

        void Note(string upcall) { lock (_upcalls) _upcalls.Add(Driver.Dispatchers.Contains(this) ? upcall : upcall + " after retire"); }

        protected internal override void OnStart() => Note("start");
        protected internal override bool Run()
        {
            Note("run");
            Ran = true;
            return false;
        }
        protected internal override void OnStop() => Note("stop");
    }

    /// <summary>The upcall in which a <see cref="TableChanger"/> changes its core's table.</summary>
    enum Upcall { Start, Run, Stop }

    /// <summary>Adopts or retires another dispatcher of its core from its start upcall, its first run upcall or its stop upcall.</summary>
    sealed class TableChanger(Action<CpuDriverThread> change, Upcall when) : Dispatcher("changer")
    {
        public volatile bool Done;
        protected internal override void OnStart()
        {
            if (when == Upcall.Start) Change();
        }
        protected internal override bool Run()
        {
            if (when != Upcall.Run || Done) return false;
            Change();
            return true;
        }
        protected internal override void OnStop()
        {
            if (when == Upcall.Stop) Change();
        }
        void Change()
        {
            change(Driver);
            Done = true;
        }
    }

    static int FirstCore => CoreAffinity.AllowedCpus()[0];

    /// <summary>Runs the driver until <paramref name="until"/> holds (at most a minute), then stops it and checks it ended cleanly.</summary>
    static void RunUntil(CpuDriverThread driver, Func<bool> until)
    {
        driver.Start("upcall-test");
        Assert.True(driver.Started.Wait(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken), "the CPU driver did not start");
        Assert.True(SpinWait.SpinUntil(until, TimeSpan.FromSeconds(60)), "the awaited upcalls did not happen");
        driver.RequestStop();
        Assert.True(driver.Join(TimeSpan.FromSeconds(60)), "the CPU driver did not stop");
        Assert.Null(driver.Fault);
    }

    [Fact]
    public void ADispatcherAdoptedByAStartUpcallStartsBeforeItsFirstRunUpcall()
    {
        using var driver = new CpuDriverThread(FirstCore, 0, WaitPolicy.Default);
        var child = new Recorder("child");
        driver.Adopt(new TableChanger(d => d.Adopt(child), Upcall.Start));
        RunUntil(driver, () => child.Ran);
        Assert.Equal(["start", "run"], child.Upcalls[..2]);
    }

    [Fact]
    public void ADispatcherRetiredByAStartUpcallBeforeItStartedGetsNoUpcall()
    {
        using var driver = new CpuDriverThread(FirstCore, 0, WaitPolicy.Default);
        var victim = new Recorder("victim");
        var changer = new TableChanger(d => d.Retire(victim), Upcall.Start);
        driver.Adopt(changer);
        driver.Adopt(victim); // both start in the first round, the changer first
        var witness = new Recorder("witness");
        driver.Adopt(witness);
        RunUntil(driver, () => changer.Done && witness.Ran);
        Assert.Empty(victim.Upcalls);
    }

    [Fact]
    public void ADispatcherRetiredByAnEarlierOneOfTheRoundGetsNoFurtherUpcall()
    {
        using var driver = new CpuDriverThread(FirstCore, 0, WaitPolicy.Default);
        var victim = new Recorder("victim");
        var changer = new TableChanger(d => d.Retire(victim), Upcall.Run);
        driver.Adopt(changer); // visited before the victim in every round
        driver.Adopt(victim);
        var witness = new Recorder("witness");
        driver.Adopt(witness);
        RunUntil(driver, () => changer.Done && witness.Upcalls.Length >= 3);
        Assert.Equal(["start"], victim.Upcalls);
    }

    [Fact]
    public void ADispatcherRetiredByAnEarlierStopUpcallGetsNoStopUpcall()
    {
        using var driver = new CpuDriverThread(FirstCore, 0, WaitPolicy.Default);
        var victim = new Recorder("victim");
        var changer = new TableChanger(d => d.Retire(victim), Upcall.Stop);
        driver.Adopt(changer); // stopped before the victim
        driver.Adopt(victim);
        RunUntil(driver, () => victim.Ran);
        Assert.True(changer.Done);
        Assert.DoesNotContain("stop after retire", victim.Upcalls);
    }

    /// <summary>Leaves its core from the message upcall of the first message on its ring; counts its run upcalls after that.</summary>
    sealed class LeavesOnMessage(UrpcReceiver receiver) : Dispatcher("leaver")
    {
        public volatile bool Left;
        public int RunsAfterLeaving;
        protected internal override void OnStart() => Waitset.Add(receiver, (in UrpcMessage _) =>
        {
            if (Left) return;
            Waitset.Remove(receiver);
            Driver.Retire(this);
            Left = true;
        });
        protected internal override bool Run()
        {
            if (Left) RunsAfterLeaving++;
            return false;
        }
    }

    readonly record struct Ping : IUrpcMessage<Ping>
    {
        public byte Type => 1;
        public void Encode(ref UrpcPayload w) { }
        public static Ping Decode(in UrpcMessage m) => new();
    }

    [Fact]
    public void ADispatcherThatLeavesInAMessageUpcallGetsNoRunUpcallAfter()
    {
        using var ring = UrpcRing.Allocate(16);
        using var driver = new CpuDriverThread(FirstCore, 0, WaitPolicy.Default);
        var leaver = new LeavesOnMessage(ring.Receiver);
        driver.Adopt(leaver);
        var witness = new Recorder("witness");
        driver.Adopt(witness);
        ring.Sender.Send(new Ping()); // waiting before the first round: handled in the poll of the leaver's first visit
        RunUntil(driver, () => leaver.Left && witness.Upcalls.Length >= 3);
        Assert.Equal(0, leaver.RunsAfterLeaving);
    }
}
