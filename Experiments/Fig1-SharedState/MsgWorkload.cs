using Experiments.Common;
using Multikernel;
using Multikernel.CpuDriver;

namespace Fig1.SharedState;

/// <summary>
/// MSGn on a booted multikernel: the server dispatcher on the first core owns the n lines; one client dispatcher on
/// each other core sends one-line URPC requests over its own binding and waits for the replies (or keeps a window
/// of them in flight), on the kernel's normal path or on raw channel ends (<see cref="MsgPath"/>). The host only asks
/// the monitors for the bindings (each client core binds to the server core), spawns the dispatchers through the
/// monitors, opens their start gates and collects their reports.
/// <para>Check afterwards: the server served exactly clients x repetitions x (warm-up + iterations) requests, every
/// line holds that count, the clients received that many replies, and the values the server replied with add up to
/// what the clients received and to 1 + 2 + ... + total (each applied state reported once).</para>
/// </summary>
public static class MsgWorkload
{
    public static MsgMeasurement Run(IReadOnlyList<int> cores, int lines, SweepSize size, int window, MsgPath path = MsgPath.Kernel)
    {
        if (cores.Count < 2)
            throw new ArgumentException("MSG needs at least two cores: one server core and one or more client cores", nameof(cores));
        UpdateProtocol.CheckWindow(window);
        int clients = cores.Count - 1;
        long expected = clients * size.OpsPerThread;

        using var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = cores.ToArray() });
        try
        {
            // Client core i+1 binds to the server core 0; the monitors free the bindings when the system shuts down.
            var bindings = Enumerable.Range(1, clients).Select(c => mk.BindAsync(c, 0, UpdateProtocol.RingSlots)).ToArray();
            var serverOutcome = new DispatcherOutcome<ServerReport>();
            var clientOutcomes = new DispatcherOutcome<ClientReport>[clients];
            var serverEnds = bindings.Select(b => Wait(b, "a binding from the monitors").Server).ToArray();
            int serverNode = mk.Topology.NumaNodeOf(cores[0]);
            UpdateServer? kernelServer = null;
            Wait(mk.SpawnAsync(0, 0, () => path == MsgPath.Raw
                ? (Dispatcher)new RawUpdateServer(serverEnds, lines, expected, size.Iterations, serverNode, serverOutcome)
                : kernelServer = new UpdateServer(serverEnds, lines, expected, size.Iterations, serverNode, serverOutcome)), "spawn the server");
            for (int i = 0; i < clients; i++)
            {
                var outcome = clientOutcomes[i] = new DispatcherOutcome<ClientReport>();
                var end = bindings[i].Result.Client;
                Wait(mk.SpawnAsync(0, i + 1, () => path == MsgPath.Raw
                    ? (Dispatcher)new RawUpdateClient(end, size, window, outcome)
                    : new UpdateClient(end, size, window, outcome)), $"spawn client {i + 1}");
            }
            serverOutcome.Open();
            foreach (var o in clientOutcomes) o.Open();

            var (server, reports) = Collect(serverOutcome.Completion, clientOutcomes.Select(o => o.Completion).ToArray(), cores, UpdateProtocol.Stall + TimeSpan.FromSeconds(30),
                () => clientOutcomes.Sum(o => o.Progress) + (kernelServer?.Served ?? 0));
            mk.Shutdown();

            var rates = new double[size.Repetitions];
            foreach (var r in reports)
                for (int k = 0; k < rates.Length; k++) rates[k] += r.OpsPerSecond[k];
            return new MsgMeasurement
            {
                ClientCyclesPerOp = reports.SelectMany(r => r.CyclesPerOp).ToArray(),
                UpdatesPerSecond = rates,
                ServerCyclesPerOp = server.CyclesPerUpdate,
                Failure = Verify(expected, server, reports),
                RepetitionDisturbed = Enumerable.Range(0, size.Repetitions).Select(r => reports.Any(c => c.Disturbed[r])).ToArray(),
                ServerDescheduled = server.Descheduled,
                Expected = expected,
                Served = server.Served,
                ServerFinalLines = server.FinalLines,
                RepliesReceived = reports.Sum(r => r.Replies),
                ServerReplyValueSum = server.ReplyValueSum,
                ClientReplyValueSum = reports.Aggregate(0UL, (acc, r) => acc + r.ReplyValueSum),
            };
        }
        finally { mk.Shutdown(); }
    }

    internal static string? Verify(long expected, ServerReport server, ClientReport[] clients)
    {
        var clientFailure = clients.Select(c => c.Failure).FirstOrDefault(f => f != null);
        if (clientFailure != null) return clientFailure;
        if (server.Served != expected) return $"server served {server.Served} requests, expected {expected}";
        for (int i = 0; i < server.FinalLines.Length; i++)
            if (server.FinalLines[i] != expected) return $"server line {i} holds {server.FinalLines[i]}, expected {expected}";
        long replies = clients.Sum(c => c.Replies);
        if (replies != expected) return $"clients received {replies} replies, expected {expected}";
        ulong clientSum = 0;
        foreach (var c in clients) clientSum += c.ReplyValueSum;
        if (clientSum != server.ReplyValueSum) return $"clients received reply values summing to {clientSum}, the server sent {server.ReplyValueSum}";
        ulong triangle = Triangle(expected);
        if (server.ReplyValueSum != triangle) return $"reply values sum to {server.ReplyValueSum}, expected 1+...+{expected} = {triangle}";
        return null;
    }

    /// <summary>
    /// 1 + 2 + ... + <paramref name="n"/> modulo 2^64, as the reply-value sums wrap: the even one of n and n + 1 is
    /// halved before the product, which may wrap (the product n x (n + 1) wraps from n = 2^32 on, and halving a wrapped
    /// product is not the wrapped half).
    /// </summary>
    internal static ulong Triangle(long n) => n % 2 == 0 ? (ulong)(n / 2) * (ulong)(n + 1) : (ulong)n * (ulong)((n + 1) / 2);

    /// <summary>
    /// The reports of the server (on <c>cores[0]</c>) and of the clients (on the other cores), waiting for all of them
    /// together while they progress: a <see cref="TimeoutException"/> when a whole <paramref name="stall"/> (or longer,
    /// where the steps so far were long: <see cref="StallWatch"/>) passes with none of them finishing and <paramref name="progress"/> (the clients' finished batches, the kernel server's
    /// served requests) unchanged, so that a run of any length is waited for while it goes on. The first failure ends
    /// the wait, and a failed server is the one reported: its clients then wait for replies that never come, and their
    /// giving up is not the cause.
    /// </summary>
    internal static (ServerReport Server, ClientReport[] Clients) Collect(Task<ServerReport> server, Task<ClientReport>[] clients, IReadOnlyList<int> cores, TimeSpan stall, Func<long> progress)
    {
        var all = new Task[clients.Length + 1];
        all[0] = server;
        clients.CopyTo(all, 1);
        var watch = new StallWatch(progress, stall);
        while (true)
        {
            if (server.IsCompleted && !server.IsCompletedSuccessfully) _ = server.Result; // throws the server's exception
            foreach (var c in clients)
                if (c.IsCompleted && !c.IsCompletedSuccessfully) _ = c.Result;
            var pending = all.Where(t => !t.IsCompleted).ToArray();
            if (pending.Length == 0) break;
            if (Task.WaitAny(pending, watch.NextWait) >= 0 || !watch.Stalled()) continue;
            var waitingFor = Enumerable.Range(0, all.Length).Where(i => !all[i].IsCompleted)
                .Select(i => i == 0 ? $"server on core {cores[0]}" : $"client on core {cores[i]}");
            throw new TimeoutException($"MSG: {watch.NoProgressText} waiting for {string.Join(", ", waitingFor)}");
        }
        return (server.Result, clients.Select(c => c.Result).ToArray());
    }

    static T Wait<T>(Task<T> task, string what)
    {
        if (!task.Wait(UpdateProtocol.Stall + TimeSpan.FromSeconds(30)))
            throw new TimeoutException($"MSG: timed out waiting for {what}");
        return task.Result;
    }
}
