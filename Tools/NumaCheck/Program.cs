using System.CommandLine;
using Multikernel;
using Multikernel.Hardware;
using Multikernel.Monitor.Agreement;
using NumaCheck;

// numa-check: checks that the suite sees and uses a multi-socket machine as built (scripts/numa-vm): topology,
// routing trees, URPC ring placement, and the messages the many-core protocols really send. Exit 0: every check
// passed; 1: a check failed; 2: bad command line.
var sockets = new Option<int>("--sockets") { Description = "packages the machine was built with (1-64)", Required = true };
var cores = new Option<int>("--cores-per-socket") { Description = "cores per package (1-64)", Required = true };
var order = new Option<string>("--order") { Description = "CPU numbering: linear (socket by socket) or interleaved (alternating sockets)", DefaultValueFactory = _ => "linear" };
var distances = new Option<string>("--distances") { Description = "the SLIT between the nodes, rows separated by ';' (e.g. 10,21;21,10)", Required = true };
var checks = new Option<string?>("--checks") { Description = "append one PASS/FAIL line per check to this file" };
var root = new RootCommand("Check the multikernel's view and use of a multi-socket NUMA machine against the machine that was built");
foreach (var o in new Option[] { sockets, cores, order, distances, checks }) root.Options.Add(o);
root.SetAction(pr =>
{
    int s = pr.GetValue(sockets), c = pr.GetValue(cores);
    string ord = pr.GetValue(order)!;
    if (s is < 1 or > 64) return Refuse($"--sockets {s} is out of range: allowed 1-64");
    if (c is < 1 or > 64) return Refuse($"--cores-per-socket {c} is out of range: allowed 1-64");
    if (ord is not ("linear" or "interleaved")) return Refuse($"--order '{ord}' is not allowed: linear or interleaved");
    int[][] slit;
    try { slit = ExpectedMachine.ParseDistances(pr.GetValue(distances)!, s); }
    catch (FormatException e) { return Refuse($"--distances: {e.Message}"); }
    var expected = new ExpectedMachine(s, c, ord == "interleaved", slit);
    var log = new CheckLog(pr.GetValue(checks));

    var topo = MachineTopology.Current;
    Console.WriteLine($"numa-check: {topo}");
    TopologyChecks.Run(log, topo, expected);
    RoutingChecks.Run(log, topo);
    MultikernelSystem? mk = null;
    log.Run("boot", () =>
    {
        // The message-count checks need every agreement to finish in one round: under emulation (TCG) a message can
        // take longer than the default 50 ms retransmit interval, and a resent request adds messages the route does
        // not prescribe. These timeouts are far beyond any delivery time, so only a lost message would exceed them.
        var patient = new AgreementOptions
        {
            VoteTimeout = (long)CycleClock.FromNanoseconds(120e9),
            RetransmitInterval = (long)CycleClock.FromNanoseconds(60e9),
        };
        mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = topo.Cores.Select(x => x.Cpu).ToArray(), Agreement = patient });
        return (true, $"booted on {mk.CoreCount} cores");
    });
    if (mk != null)
    {
        using (mk)
        {
            PlacementChecks.Run(log, mk);
            ProtocolChecks.Run(log, mk);
        }
    }
    Console.WriteLine($"numa-check: {log.Checks.Count - log.Failed} passed, {log.Failed} failed");
    return log.Failed == 0 ? 0 : 1;
});
return root.Parse(args).Invoke();

static int Refuse(string message)
{
    Console.Error.WriteLine($"numa-check: {message}");
    return 2;
}
