using System.Runtime.CompilerServices;
using Experiments.Common;
using Multikernel;
using Multikernel.CpuDriver;
using Multikernel.Hardware;
using Multikernel.Monitor;
using Multikernel.Urpc;

namespace Fig1.SharedState;

/// <summary>
/// The caller: binds to the callee through the CPU driver with an Endpoint capability its core's monitor mints (both on one core) and, once the host opens its gate,
/// times repetitions of <c>iterations</c> calls from one run upcall. Every result is checked (argument + 1).
/// </summary>
public sealed class LrpcCaller : GatedMeasurement<PointMeasurement>
{
    readonly LrpcAddOneServer _callee;
    readonly SweepSize _size;

    public LrpcCaller(LrpcAddOneServer callee, SweepSize size, DispatcherOutcome<PointMeasurement> outcome) : base("lrpc-caller", outcome)
    {
        _callee = callee;
        _size = size;
    }

    protected override PointMeasurement Measure()
    {
        var binding = MonitorDispatcher.On(Driver).BindLrpc(this, _callee);
        var samples = new double[_size.Repetitions];
        long wrong = 0;
        var disturbed = new bool[_size.Repetitions];
        for (int r = 0; r < _size.Repetitions; r++)
        {
            wrong += LrpcAddOneServer.CallMany(binding, _size.Warmup);
            long switches = ContextSwitches.InvoluntaryOfThisThread();
            ulong t0 = CycleClock.Now();
            wrong += LrpcAddOneServer.CallMany(binding, _size.Iterations);
            ulong t1 = CycleClock.Now();
            samples[r] = (double)(t1 - t0) / _size.Iterations;
            disturbed[r] = ContextSwitches.InvoluntaryOfThisThread() != switches;
        }
        long expected = _size.OpsPerThread;
        string? failure = wrong != 0 ? $"{wrong} LRPC results were not argument + 1"
            : _callee.Calls != expected ? $"callee saw {_callee.Calls} calls, expected {expected}" : null;
        return new PointMeasurement { CyclesPerOp = samples, Failure = failure, RepetitionDisturbed = disturbed };
    }

    /// <summary>Boots one core, spawns callee and caller there, runs the measurement; gives up after <see cref="UpdateProtocol.Stall"/> without a call.</summary>
    public static PointMeasurement Measure(int core, SweepSize size)
    {
        using var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = [core] });
        var callee = new LrpcAddOneServer("lrpc-callee");
        var outcome = new DispatcherOutcome<PointMeasurement>();
        mk.SpawnAsync(0, 0, () => callee).Wait();
        mk.SpawnAsync(0, 0, () => new LrpcCaller(callee, size, outcome)).Wait();
        outcome.Open();
        // Progress is the callee's call count: a long run (large --iterations) is waited for while calls go on.
        return ProgressWait.For(outcome.Completion, () => callee.Calls, "the LRPC benchmark", UpdateProtocol.Stall, counted: "calls");
    }
}
