using Multikernel.CpuDriver;
using Multikernel.Monitor.Agreement;

namespace Fig3.TlbShootdown;

/// <summary>
/// Runs on the first core, inside its monitor, the cross-core capability operations of <see cref="CapabilityWorkload"/>,
/// each started by the previous one's completion (so both cores stay busy, as in <see cref="ShootdownLoop"/>): per
/// repetition, warm-up then timed transfers of one frame each to a dispatcher on the second core, then a revoke of the
/// pool the frames came from (untimed: every copy goes) and a retype of fresh frames; then warm-up then timed revokes
/// of one frame that was first transferred (untimed) to a dispatcher on every other core.
/// One sample per repetition and operation: the median of the timed operations.
/// </summary>
sealed class CapabilityLoop(MonitorDispatcher monitor, DispatcherMemory sender, DispatcherId[] receivers, Cptr[][] slots, SweepSize size, Action<CapabilityLoop.Report> done)
{
    public sealed record Report(double[] Transfer, double[] Revoke, long Transfers, long Revokes, string? Failure);

    readonly MonitorDispatcher _monitor = monitor;
    readonly DispatcherMemory _sender = sender;
    readonly DispatcherId[] _receivers = receivers;
    readonly Cptr[][] _slots = slots;
    readonly SweepSize _size = size;
    readonly Action<Report> _done = done;
    readonly double[] _transfer = new double[size.Repetitions], _revoke = new double[size.Repetitions], _lat = new double[size.Iterations];
    readonly int _cores = receivers.Length;
    int _rep, _op;
    long _transfers, _revokes;
    bool _finished;

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
            _transfer[_rep] = Median(_lat);
            ResetPool(() => { _op = -_size.Warmup; NextRevoke(); });
            return;
        }
        int i = _op;
        int frame = i < 0 ? _size.Iterations : i;
        ulong t0 = CycleClock.Now();
        Start(_monitor.SendCapability(_sender.Space, Frame(frame), _receivers[1], i < 0 ? _slots[1][0] : _slots[1][i], CapRights.ReadWrite, new Then(r =>
        {
            ulong t1 = CycleClock.Now();
            if (!Ok(r.Error, "a transfer")) return;
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
            if (!Ok(r.Error, "the pool's revoke") || !Ok(CapabilityWorkload.RetypeFrames(_sender, _size.Iterations + 1), "the pool's retype")) return;
            then();
        }), Now));

    // ---- revokes: frame 0, after transfers to every other core

    void NextRevoke()
    {
        if (_op == _size.Iterations)
        {
            _revoke[_rep] = Median(_lat);
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
            if (Ok(r.Error, $"the transfer to core #{core} before a revoke")) SpreadFrom(core + 1);
        })));
    }

    void TimedRevoke()
    {
        int i = _op;
        ulong t0 = CycleClock.Now();
        Start(Ops.Revoke(_sender.Space, Frame(0), new Then(r =>
        {
            ulong t1 = CycleClock.Now();
            if (!Ok(r.Error, "a revoke")) return;
            _monitor.Driver.Capabilities!.Identify(_sender.Space, Frame(0), out var id);
            for (int c = 1; c < _cores; c++)
                if (_monitor.Agreement.Replica.IsHolder(id.Key, c)) { Finish($"after a revoke core #{c} is still a holder of {id.Key}"); return; }
            _op++;
            if (i >= 0) { _lat[i] = t1 - t0; _revokes++; }
            NextRevoke();
        }), Now));
    }

    void Start(CapError e) => Ok(e, "starting an operation");

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
        _done(new Report(_transfer, _revoke, _transfers, _revokes, failure));
    }

    static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]);
    }
}
