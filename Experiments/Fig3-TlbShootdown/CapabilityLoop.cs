using Multikernel.CpuDriver;
using Multikernel.Monitor.Agreement;

namespace Fig3.TlbShootdown;

/// <summary>
/// Runs on the first core, inside its monitor, the cross-core capability operations of <see cref="CapabilityWorkload"/>,
/// each started by the previous one's completion (so both cores stay busy, as in <see cref="ShootdownLoop"/>): per
/// repetition, warm-up then timed transfers of one frame each to a dispatcher on the second core, then a revoke of the
/// pool the frames came from (untimed: every copy goes) and a retype of fresh frames; then warm-up then timed revokes
/// of one frame that was first transferred (untimed) to a dispatcher on every other core.
/// One sample per repetition and operation: the median of the timed operations. After each repetition's transfers the
/// first core's replica must list the second core as a holder of every frame transferred in it, before each revoke
/// every other core as a holder of the frame, and after it none; a frame that is not ends the loop with a failure.
/// <para>An operation refused with <see cref="CapError.Locked"/> (its 2PC aborted on a conflict or a vote timeout: the
/// agreement's "try again") is started again, up to <see cref="MaxAttempts"/> times in all; a timed one is timed from
/// its successful start. Nothing else runs capability operations here, so on a real machine this never happens; on an
/// emulated one a vote can take longer than the timeout.</para>
/// </summary>
sealed class CapabilityLoop(MonitorDispatcher monitor, DispatcherMemory sender, DispatcherId[] receivers, Cptr[][] slots, SweepSize size, Action<CapabilityLoop.Report> done)
    : IOperationLoop
{
    public sealed record Report(double[] Transfer, double[] Revoke, long Transfers, long Revokes, long Retries, long HoldersChecked, string? Failure);

    /// <summary>Starts of one operation at most: the first and the retries after a Locked refusal.</summary>
    public const int MaxAttempts = 4;

    readonly MonitorDispatcher _monitor = monitor;
    readonly DispatcherMemory _sender = sender;
    readonly DispatcherId[] _receivers = receivers;
    readonly Cptr[][] _slots = slots;
    readonly SweepSize _size = size;
    readonly Action<Report> _done = done;
    readonly double[] _transfer = new double[size.Repetitions], _revoke = new double[size.Repetitions], _lat = new double[size.Iterations];
    readonly int _cores = receivers.Length;
    int _rep, _op, _attempts;
    long _transfers, _revokes, _retries, _completed, _holdersChecked;
    bool _finished;

    /// <summary>Operations completed so far (timed or not). Written only by the loop's core, readable from any thread.</summary>
    public long OperationsCompleted => Volatile.Read(ref _completed);

    CapabilityAgreement Ops => _monitor.Agreement.Capabilities!;
    static long Now => AgreementService.Now;
    static Cptr Frame(int i) => Cptr.At(DispatcherMemory.SlotsCNode.L1, i);

    public void Begin()
    {
        _op = -_size.Warmup;
        NextTransfer();
    }

    // ---- transfers: frame i (a warm-up moves the spare frame, the last one) to the second core

    void NextTransfer()
    {
        if (_op == _size.Iterations)
        {
            _transfer[_rep] = SampleSummary.MedianOf(_lat);
            if (FrameNotHeld(_monitor, _sender, _size.Iterations, 1) is { } missing) { Finish(missing); return; }
            _holdersChecked += _size.Iterations;
            ResetPool(() => { _op = -_size.Warmup; NextRevoke(); });
            return;
        }
        int i = _op;
        int frame = i < 0 ? _size.Iterations : i;
        ulong t0 = CycleClock.Now();
        Start(_monitor.SendCapability(_sender.Space, Frame(frame), _receivers[1], i < 0 ? _slots[1][0] : _slots[1][i], CapRights.ReadWrite, new Then(r =>
        {
            ulong t1 = CycleClock.Now();
            if (!Succeeded(r.Error, "a transfer", NextTransfer)) return;
            _op++;
            if (i < 0) { ResetPool(NextTransfer); return; } // the warm-up copy goes, so slot 0 is free for the timed batch
            _lat[i] = t1 - t0;
            _transfers++;
            NextTransfer();
        })));
    }

    /// <summary>Revokes the pool (every frame, and every copy on another core: a 2PC when there are any), retypes fresh frames, then continues.</summary>
    void ResetPool(Action then) =>
        Start(Ops.Revoke(_sender.Space, CapabilityWorkload.Pool, new Then(r =>
        {
            if (!Succeeded(r.Error, "the pool's revoke", () => ResetPool(then)) || !Ok(CapabilityWorkload.RetypeFrames(_sender, _size.Iterations + 1), "the pool's retype")) return;
            then();
        }), Now));

    // ---- revokes: frame 0, after transfers to every other core

    void NextRevoke()
    {
        if (_op == _size.Iterations)
        {
            _revoke[_rep] = SampleSummary.MedianOf(_lat);
            if (++_rep == _size.Repetitions) { Finish(null); return; }
            _op = -_size.Warmup;
            NextTransfer();
            return;
        }
        SpreadFrom(1);
    }

    /// <summary>Transfers frame 0 to cores <paramref name="core"/>.. in turn (untimed), then times its revoke.</summary>
    void SpreadFrom(int core)
    {
        if (core == _cores) { TimedRevoke(); return; }
        Start(_monitor.SendCapability(_sender.Space, Frame(0), _receivers[core], _slots[core][0], CapRights.ReadWrite, new Then(r =>
        {
            if (Succeeded(r.Error, $"the transfer to core #{core} before a revoke", () => SpreadFrom(core))) SpreadFrom(core + 1);
        })));
    }

    void TimedRevoke()
    {
        int i = _op;
        _monitor.Driver.Capabilities!.Identify(_sender.Space, Frame(0), out var held);
        for (int c = 1; c < _cores; c++)
            if (!_monitor.Agreement.Replica.IsHolder(held.Key, c)) { Finish($"before a revoke core #{c} is not listed as a holder of {held.Key}"); return; }
        ulong t0 = CycleClock.Now();
        Start(Ops.Revoke(_sender.Space, Frame(0), new Then(r =>
        {
            ulong t1 = CycleClock.Now();
            if (!Succeeded(r.Error, "a revoke", TimedRevoke)) return;
            _monitor.Driver.Capabilities!.Identify(_sender.Space, Frame(0), out var id);
            for (int c = 1; c < _cores; c++)
                if (_monitor.Agreement.Replica.IsHolder(id.Key, c)) { Finish($"after a revoke core #{c} is still a holder of {id.Key}"); return; }
            _op++;
            if (i >= 0) { _lat[i] = t1 - t0; _revokes++; }
            NextRevoke();
        }), Now));
    }

    /// <summary>
    /// On the first core, after transfers of the frames in the sender's first <paramref name="frames"/> slots to a
    /// dispatcher on core <paramref name="core"/>: null when the monitor's replica lists that core as a holder of each
    /// of them; else which frame it does not.
    /// </summary>
    internal static string? FrameNotHeld(MonitorDispatcher monitor, DispatcherMemory sender, int frames, int core)
    {
        for (int i = 0; i < frames; i++)
        {
            var e = monitor.Driver.Capabilities!.Identify(sender.Space, Frame(i), out var id);
            if (e != CapError.Ok) return $"after a repetition of transfers frame {i} of the sender could not be identified: {e}";
            if (!monitor.Agreement.Replica.IsHolder(id.Key, core)) return $"after a repetition of transfers core #{core} is not listed as a holder of frame {i} ({id.Key})";
        }
        return null;
    }

    void Start(CapError e) => Ok(e, "starting an operation");

    /// <summary>
    /// True when the operation completed Ok. A Locked refusal with attempts left starts it again by
    /// <paramref name="again"/> and returns false; any other error (or the last attempt refused) ends the loop.
    /// </summary>
    bool Succeeded(CapError e, string what, Action again)
    {
        if (e == CapError.Locked && _attempts + 1 < MaxAttempts)
        {
            _attempts++;
            _retries++;
            again();
            return false;
        }
        _attempts = 0;
        if (!Ok(e, what)) return false;
        Volatile.Write(ref _completed, _completed + 1);
        return true;
    }

    bool Ok(CapError e, string what)
    {
        if (e == CapError.Ok) return true;
        Finish($"{what} failed: {e}");
        return false;
    }

    void Finish(string? failure)
    {
        if (_finished) return;
        _finished = true;
        _done(new Report(_transfer, _revoke, _transfers, _revokes, _retries, _holdersChecked, failure));
    }
}
