using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Multikernel.Drivers;
using Multikernel.Hardware;
using Multikernel.Net;
using Multikernel.Net.Nic;
using Multikernel.Net.Stack;
using Multikernel.Net.Wire;
using NetEcho;

// netecho: UDP echo packets/s over the experiment's veth wire: the AF_PACKET ring + user-level stack on one thread
// (RingStackLoop) and, for comparison, the host kernel's own UDP echo over the same wire. The load comes from the far
// namespace's kernel sockets. A quick baseline for the multikernel integration, not an experiment row.
var seconds = new Option<double>("--seconds") { Description = "Measured seconds per stack", DefaultValueFactory = _ => 5 };
var warmup = new Option<double>("--warmup") { Description = "Seconds of load before measuring", DefaultValueFactory = _ => 1 };
var payload = new Option<int>("--payload") { Description = "Datagram payload bytes (20 to 1472)", DefaultValueFactory = _ => 64 };
var flows = new Option<int>("--flows") { Description = "Load sockets (flows)", DefaultValueFactory = _ => 4 };
var window = new Option<int>("--window") { Description = "Datagrams in flight per flow", DefaultValueFactory = _ => 8 };
var stacks = new Option<string>("--stack") { Description = "user, kernel or both", DefaultValueFactory = _ => "both" };
var loopCpu = new Option<int>("--loop-cpu") { Description = "CPU of the echo side (ring+stack loop, or the kernel echo socket loop)", DefaultValueFactory = _ => CoreAffinity.AllowedCpus()[0] };
var ringVersion = new Option<string>("--ring") { Description = "Receive/transmit ring layout: v3 (blocks, the default) or v2 (a status word per frame)", DefaultValueFactory = _ => "v3" };
var rxBlock = new Option<int>("--rx-block-kib") { Description = "Receive block size in KiB (V3: a block is handed over when full or after 1 ms)", DefaultValueFactory = _ => 32 };
var loadCpu = new Option<int>("--load-cpu") { Description = "CPU of the load generator", DefaultValueFactory = _ => CoreAffinity.AllowedCpus()[^1] };
var root = new RootCommand("UDP echo packets/s over a veth wire: user-level stack on an AF_PACKET ring vs the host kernel's UDP");
foreach (var o in new Option[] { seconds, warmup, payload, flows, window, stacks, ringVersion, rxBlock, loopCpu, loadCpu }) root.Options.Add(o);
root.SetAction(pr =>
{
    double sec = pr.GetValue(seconds), warm = pr.GetValue(warmup);
    int pay = pr.GetValue(payload), nflows = pr.GetValue(flows), win = pr.GetValue(window), lc = pr.GetValue(loopCpu), gc = pr.GetValue(loadCpu);
    string which = pr.GetValue(stacks)!, ring = pr.GetValue(ringVersion)!;
    int blockKib = pr.GetValue(rxBlock);
    var allowed = CoreAffinity.AllowedCpus();
    string? bad =
        sec is <= 0 or > 600 ? $"--seconds: {sec} is not in (0, 600]" :
        warm is < 0 or > 60 ? $"--warmup: {warm} is not in [0, 60]" :
        pay is < 20 or > 1472 ? $"--payload: {pay} is not 20 to 1472 bytes (a datagram must fit the 1500-byte MTU; this stack does not fragment)" :
        nflows is < 1 or > 256 ? $"--flows: {nflows} is not 1 to 256" :
        win is < 1 or > 256 ? $"--window: {win} is not 1 to 256" :
        which is not ("user" or "kernel" or "both") ? $"--stack: '{which}' is not user, kernel or both" :
        ring is not ("v2" or "v3") ? $"--ring: '{ring}' is not v2 or v3" :
        blockKib is < 4 or > 4096 || blockKib % 4 != 0 ? $"--rx-block-kib: {blockKib} is not a multiple of 4 from 4 to 4096" :
        !allowed.Contains(lc) ? $"--loop-cpu: {lc} is not in this process's CPUs ({CoreAffinity.FormatList(allowed)})" :
        !allowed.Contains(gc) ? $"--load-cpu: {gc} is not in this process's CPUs ({CoreAffinity.FormatList(allowed)})" : null;
    if (bad != null) { Console.Error.WriteLine(bad); return 2; }
    if (WirePrerequisites.Missing is { } missing) { Console.Error.WriteLine($"netecho {missing}"); return 2; }

    Console.WriteLine($"netecho: UDP echo over a veth wire, {nflows} flows x {win} in flight, {pay}-byte payload, {sec} s measured after {warm} s warm-up");
    Console.WriteLine($"  host {Environment.MachineName}, CPUs {CoreAffinity.FormatList(allowed)}; echo side on CPU {lc}, load on CPU {gc}" +
        (lc == gc ? " (shared: the echo side sleeps in poll when idle)" : ""));
    Console.WriteLine("  timings from a machine others may be using are contaminated by their load: label them so");
    using var wire = VethWire.Create();
    Console.WriteLine($"  {wire}");
    Console.WriteLine($"{"stack",-8}{"pps",12}{"rtt p50 us",12}{"rtt p99 us",12}{"sent",10}{"lost",8}{"corrupt",9}  notes");
    var ringOptions = new PacketRingOptions
    {
        Version = ring == "v2" ? PacketRingVersion.V2 : PacketRingVersion.V3,
        RxBlockSize = blockKib * 1024,
        RxBlockCount = Math.Max(4, 2048 / blockKib),
    };
    if (which is "user" or "both") Report("user", RunUser(wire, ringOptions, pay, nflows, win, warm, sec, lc, gc, out string notes), notes);
    if (which is "kernel" or "both") Report("kernel", RunKernel(wire, pay, nflows, win, warm, sec, lc, gc), "host UDP socket loop in the server namespace");
    return 0;
});
return root.Parse(args).Invoke();

static void Report(string name, EchoLoadResult r, string notes) =>
    Console.WriteLine($"{name,-8}{r.PacketsPerSecond,12:F0}{r.Percentile(0.5),12:F1}{r.Percentile(0.99),12:F1}{r.Sent,10}{Math.Max(0, r.Sent - r.Received),8}{r.Corrupt,9}  {notes}");

static EchoLoadResult RunUser(VethWire wire, PacketRingOptions ringOptions, int payload, int flows, int window, double warm, double sec, int loopCpu, int loadCpu, out string notes)
{
    using var ring = wire.RunInServerNamespace(() => PacketRing.Open(VethWire.ServerInterface, ringOptions));
    using var stack = new NetStack(new NetStackOptions { Mac = ring.MacAddress, Address = wire.ServerAddress }, ring);
    stack.BindUdp(7, new UdpEcho());
    var probe = new AllocationProbe(10_000, 60_000);
    var loop = new RingStackLoop(ring, stack) { Probe = probe, SpinIterations = loopCpu == loadCpu ? 0 : int.MaxValue };
    using var stop = new CancellationTokenSource();
    Exception? loopFailure = null;
    var thread = new Thread(() =>
    {
        try
        {
            CoreAffinity.PinCurrentThread(loopCpu);
            loop.Run(stop.Token);
        }
        catch (Exception e) { loopFailure = e; } // e.g. the wire removed under it by a signal: reported, not a crash
    }) { IsBackground = true, Name = "ring+stack" };
    thread.Start();
    var sockets = wire.RunInFarNamespace(() => EchoLoad.Connect(wire.FarAddress.ToIPAddress(), new IPEndPoint(wire.ServerAddress.ToIPAddress(), 7), flows));
    EchoLoadResult result;
    try { result = RunLoad(sockets, payload, window, warm, sec, loadCpu); }
    finally
    {
        stop.Cancel();
        thread.Join();
        foreach (var s in sockets) s.Dispose();
    }
    if (loopFailure != null) throw new InvalidOperationException($"the ring+stack loop failed: {loopFailure.Message}", loopFailure);
    var k = ring.ReadKernelStatistics();
    notes = $"TPACKET_{ringOptions.Version}, rx blocks {ringOptions.RxBlockCount} x {ringOptions.RxBlockSize / 1024} KiB; ring+stack on one thread; {(probe.Bytes is long b ? $"{(double)b / (probe.To - probe.From):F2} B allocated/frame over {probe.To - probe.From} frames" : "allocation probe window not reached")}; " +
            $"ring: kernel drops {k.Drops}, tx ring full {ring.TxRingFull}, kicks {ring.Kicks}; frames in {stack.Counters.FramesIn}, udp out {stack.Counters.UdpOut}";
    return result;
}

static EchoLoadResult RunKernel(VethWire wire, int payload, int flows, int window, double warm, double sec, int loopCpu, int loadCpu)
{
    wire.AssignServerAddressToKernel();
    try
    {
        using var socket = wire.RunInServerNamespace(() => KernelEcho.Bind(new IPEndPoint(wire.ServerAddress.ToIPAddress(), 7)));
        var echo = new KernelEcho(socket);
        using var stop = new CancellationTokenSource();
        var thread = new Thread(() =>
        {
            try
            {
                CoreAffinity.PinCurrentThread(loopCpu);
                echo.Run(stop.Token);
            }
            catch (Exception e) { Console.Error.WriteLine($"kernel echo loop failed: {e.Message}"); }
        }) { IsBackground = true, Name = "kernel echo" };
        thread.Start();
        var sockets = wire.RunInFarNamespace(() => EchoLoad.Connect(wire.FarAddress.ToIPAddress(), new IPEndPoint(wire.ServerAddress.ToIPAddress(), 7), flows));
        try { return RunLoad(sockets, payload, window, warm, sec, loadCpu); }
        finally
        {
            stop.Cancel();
            thread.Join();
            foreach (var s in sockets) s.Dispose();
        }
    }
    finally { wire.RemoveServerAddressFromKernel(); }
}

static EchoLoadResult RunLoad(Socket[] sockets, int payload, int window, double warm, double sec, int cpu)
{
    EchoLoadResult? result = null;
    Exception? failure = null;
    var t = new Thread(() =>
    {
        try
        {
            CoreAffinity.PinCurrentThread(cpu);
            result = EchoLoad.Run(sockets, payload, window, TimeSpan.FromSeconds(warm), TimeSpan.FromSeconds(sec));
        }
        catch (Exception e) { failure = e; }
    }) { Name = "echo load" };
    t.Start();
    t.Join();
    if (failure != null) throw new InvalidOperationException($"load generator failed: {failure.Message}", failure);
    return result!;
}

sealed class UdpEcho : IUdpReceiver
{
    public void OnDatagram(NetStack stack, in UdpDatagram d, ReadOnlySpan<byte> payload) =>
        stack.SendUdp(d.Source, d.DestinationPort, d.SourcePort, payload);
}
