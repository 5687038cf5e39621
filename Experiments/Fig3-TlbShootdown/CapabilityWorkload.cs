using System.Globalization;
using Multikernel.Domains;

namespace Fig3.TlbShootdown;

/// <summary>
/// The capability operations of the fig3-tlb table (beyond the paper): local invocations on one booted core
/// (<see cref="CapabilityInvocations"/>: map/unmap of a frame, copy, delete, retype), and operations that span
/// cores on a booted k-core system: the transfer of a frame capability to another core (the monitors' 2PC adding the
/// receiver as a holder, then the delivery of the serialized capability and the receiver's import) and the revoke of
/// a frame with copies on the k-1 other cores (a 2PC after which every core has deleted its copy).
/// <para>Each cross-core operation is timed on the first core, from just before it starts until its completion runs
/// there (<see cref="CapabilityLoop"/>). Checks: every operation succeeded; before each revoke the first core's replica
/// lists every other core as a holder, after it none; after each repetition of transfers the first core's replica
/// lists the receiving core as a holder of every frame transferred in it.</para>
/// </summary>
public static class CapabilityWorkload
{
    const int MaxBatch = 200;

    /// <summary>A smaller size than the shootdown series: every cross-core operation is a 2PC and a host round trip apart.</summary>
    public static SweepSize SizeFor(SweepSize size)
    {
        int iterations = Math.Clamp(size.Iterations / 10, 10, MaxBatch);
        return new SweepSize(iterations, Math.Min(size.Repetitions, 21), Math.Max(2, iterations / 10));
    }

    /// <summary>Local invocations on <paramref name="cpu"/> (a booted one-core system, in a CSpace from its RAM cache), <paramref name="rounds"/> timed rounds each.</summary>
    public static IReadOnlyList<ResultRow> LocalRows(int cpu, int rounds)
    {
        using var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = [cpu], CoreRamBytes = 8L << 20 });
        var timings = ShootdownWorkload.Wait(mk.CallOn(0, m =>
        {
            var e = m.Ram!.CreateSpace(CapabilityInvocations.RamBytes, out var memory);
            if (e != CapError.Ok) throw new InvalidOperationException($"no CSpace with {CapabilityInvocations.RamBytes} bytes of RAM on core {cpu}: {e}");
            using (memory) return CapabilityInvocations.Measure(memory.Driver, memory.Space, CSpace.BootRam, 0, rounds);
        }), "the local capability invocations");
        var rows = new List<ResultRow>();
        foreach (var t in timings)
        {
            string what = $"local capability invocation on core {cpu} (a booted core's CPU driver checks it on the core that owns the CSpace): {t.Name}; " +
                          $"sample = cycles per operation of one batch of {CapabilityInvocations.Batch} back to back (two cycle-counter reads per batch), after an untimed warm-up pass; " +
                          $"allocated {t.AllocatedPerOp.ToString("0.##", CultureInfo.InvariantCulture)} bytes per operation on the core's thread; modelled: no privilege boundary, the invocation is a checked method call";
            rows.Add(RowFactory.Latency($"Invocation: {t.Name}", 1, $"batch={CapabilityInvocations.Batch}", RowFactory.ShootdownMetric,
                new LatencySamples { Cycles = t.CyclesPerOp, Disturbed = null, Facts = $"{t.Operations} operations, each returned Ok" }, what));
            rows.Add(RowFactory.Allocation($"Invocation: {t.Name}", 1, $"batch={CapabilityInvocations.Batch}", t.AllocatedPerOp, t.CyclesPerOp.Length,
                $"bytes allocated per operation on the core's thread over {t.Operations} timed operations ({CapabilityInvocations.Batch} per round): {what}"));
        }
        return rows;
    }

    /// <summary>Transfer and revoke across the first k cores of <paramref name="cores"/>.</summary>
    public static IReadOnlyList<ResultRow> CrossCoreRows(int[] cores, RoutingGrouping grouping, SweepSize size)
    {
        int k = cores.Length;
        if (k < 2) throw new ArgumentException("a capability operation across cores needs two cores", nameof(cores));
        int batch = size.Iterations;
        using var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = cores, WaitPolicy = ShootdownWorkload.WaitPolicy, Grouping = grouping, Agreement = ShootdownWorkload.Timeouts() });
        using var domain = ShootdownWorkload.Wait(Domain.CreateAsync(mk), "the domain"); // its dispatchers' CSpaces receive the capabilities
        var receivers = domain.Dispatchers.Select(d => d.Id).ToArray();
        // Receiving slots: a batch on core 1 for the transfers, one on every other core for the revokes.
        var slots = new Cptr[k][];
        for (int c = 1; c < k; c++)
        {
            int core = c, n = c == 1 ? batch : 1;
            slots[c] = ShootdownWorkload.Wait(mk.CallOn(c, _ =>
            {
                var a = domain.Dispatchers[core].Memory!.Slots;
                var got = new Cptr[n];
                for (int i = 0; i < n; i++) if (!a.TryAlloc(out got[i])) throw new InvalidOperationException($"core #{core}: no free slot");
                return got;
            }), $"core #{c}'s slots");
        }
        // The sender: a CSpace on the first core with a pool of RAM (root slot 2) retyped into one frame per transfer (L2 slots).
        var sender = ShootdownWorkload.Wait(mk.CallOn(0, m =>
        {
            var e = m.Ram!.CreateSpace((ulong)(batch + 1) * CapTypeRules.PageSize + CapTypeRules.PageSize, out var memory);
            if (e != CapError.Ok) throw new InvalidOperationException($"no sender CSpace: {e}");
            Check(memory.Driver.Retype(memory.Space, CSpace.BootRam, CapType.Ram, 0, (ulong)(batch + 1) * CapTypeRules.PageSize, 1, Pool));
            Check(RetypeFrames(memory, batch + 1));
            return memory;
        }), "the sender's CSpace");

        var (result, _) = OperationLoopRun.RunLoop<CapabilityLoop, CapabilityLoop.Report>(mk, (m, done) =>
            new CapabilityLoop(m, sender, receivers, slots, size, done), "the capability operations");
        ShootdownWorkload.Wait(mk.CallOn(0, _ => { sender.Dispose(); return true; }), "the sender's cleanup");
        if (result.Failure != null) throw new InvalidOperationException(result.Failure);
        var (transfer, revoke, transfers, revokes) = (result.Transfer, result.Revoke, result.Transfers, result.Revokes);

        string param = $"protocol=numa-aware-multicast;group={grouping}";
        string retried = result.Retries == 0 ? "" : $"; {result.Retries} operation(s) refused Locked (a 2PC aborted on a vote timeout) and started again";
        string sample = $"sample = median of {batch} operations of one repetition ({size.Warmup} untimed before), each timed on core {cores[0]} from its start until its completion there; " +
                        $"operations run one at a time, each started by the previous one's completion on core {cores[0]}; real: messages between pinned cores, the capability checks as in the CPU driver";
        return
        [
            RowFactory.Latency("Capability transfer to another core", k, param, RowFactory.ShootdownMetric,
                new LatencySamples { Cycles = transfer, Disturbed = null, Facts = $"{transfers} transfers to core {cores[1]}, each Ok; after each repetition the first core's replica listed core {cores[1]} as a holder of every frame transferred in it ({result.HoldersChecked} frames checked){retried}" },
                $"cross-core transfer of a frame capability from core {cores[0]} to a dispatcher on core {cores[1]} of a {k}-core system: 2PC among all {k} monitors (the receiver becomes a holder), then the serialized capability to the receiving monitor, its import, and its answer; {sample}"),
            RowFactory.Latency($"Capability revoke with copies on {k} cores", k, param, RowFactory.ShootdownMetric,
                new LatencySamples { Cycles = revoke, Disturbed = null, Facts = $"{revokes} revokes, each Ok, each after transfers of the frame to the {k - 1} other cores (untimed), which the first core's replica then listed as holders; after each no other core held a copy{retried}" },
                $"revoke, on core {cores[0]}, of a frame capability that every other core holds a copy of ({k} cores in all): 2PC among all {k} monitors, on commit every other core deletes its copy; {sample}"),
        ];
    }

    internal static readonly Cptr Pool = Cptr.Root(2);

    internal static CapError RetypeFrames(DispatcherMemory memory, int count) =>
        memory.Driver.Retype(memory.Space, Pool, CapType.Frame, 0, CapTypeRules.PageSize, count, Cptr.At(DispatcherMemory.SlotsCNode.L1, 0));

    static void Check(CapError e)
    {
        if (e != CapError.Ok) throw new InvalidOperationException($"capability operation failed: {e}");
    }
}
