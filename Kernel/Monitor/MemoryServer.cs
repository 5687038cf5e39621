using Multikernel.Capabilities;
using Multikernel.CpuDriver;
using Multikernel.Memory;
using Multikernel.Monitor.Agreement;
using Multikernel.Urpc;
using static Multikernel.Memory.MemoryServerMessages;

namespace Multikernel.Monitor;

/// <summary>
/// The memory server (Barrelfish's <c>mem_serv</c>): a dispatcher on the boot core that owns the RAM not given to any
/// core at boot and hands it out, by URPC, to the cores' RAM caches. At its start it retypes that RAM into chunks of
/// 2^<see cref="ChunkBits"/> bytes (locally: no other core knows it yet). A <see cref="RamRequest"/> from core c is
/// answered by giving c a free chunk through the monitors (<see cref="MonitorDispatcher.SendCapability"/> with
/// give-away: a 2PC among all monitors makes c its holder and this core none, then the capability is delivered into
/// the slot c named) and then a <see cref="RamGrant"/> on the binding.
/// <para>Invariants: core-local (the boot core); every chunk is either free here (its capability in this CSpace) or
/// given to exactly one core; one answer per request, in the order the gives complete.</para>
/// </summary>
public sealed class MemoryServer : Dispatcher
{
    /// <summary>The monitor is every core's first dispatcher: slot 0 (where capabilities for a core's RAM cache go).</summary>
    internal const int MonitorSlot = 0;

    readonly ulong _base, _bytes;
    readonly UrpcEndpoint?[] _clients;
    readonly UrpcOutbox _outbox;
    readonly Stack<Cptr> _free = new();
    CSpace? _space;

    /// <summary>Size of a chunk: 2^bits bytes (a request for more is refused; a request for less gets a whole chunk).</summary>
    public int ChunkBits { get; }
    public int Chunks { get; private set; }
    public int FreeChunks => _free.Count;
    /// <summary>Requests answered with RAM, and refused.</summary>
    public int Granted { get; private set; }
    public int Refused { get; private set; }

    /// <param name="clients">By core index: the server's end of the binding with that core's RAM cache.</param>
    internal MemoryServer(ulong @base, ulong bytes, int chunkBits, UrpcEndpoint?[] clients) : base("memory server")
    {
        _base = @base;
        _bytes = bytes;
        ChunkBits = chunkBits;
        _clients = clients;
        _outbox = new UrpcOutbox(clients.Select(c => c?.Sender).ToArray());
    }

    protected internal override void OnStart()
    {
        var caps = Driver.Capabilities ?? throw new InvalidOperationException("the memory server's core has no capability driver");
        ulong chunk = 1UL << ChunkBits;
        // The root CNode needs a slot per chunk; it is retyped from the start of the RAM.
        int chunks = (int)(_bytes / chunk);
        int rootSlots = Math.Max(Cptr.L2Slots, (chunks + 1 + Cptr.L2Slots - 1) / Cptr.L2Slots * Cptr.L2Slots);
        ulong cnodeBytes = (ulong)rootSlots * CapTypeRules.SlotBytes;
        chunks = (int)((_bytes - cnodeBytes) / chunk);
        _space = caps.CreateBootCSpace(_base, _bytes, rootSlots);
        if (chunks > 0)
        {
            var e = caps.Retype(_space, CSpace.BootRam, CapType.Ram, cnodeBytes, chunk, chunks, Cptr.Root(1));
            if (e != CapError.Ok) throw new InvalidOperationException($"the memory server could not split its RAM into {chunks} chunks: {e}");
        }
        Chunks = chunks;
        for (int i = chunks; i >= 1; i--) _free.Push(Cptr.Root(i));
        for (int c = 0; c < _clients.Length; c++)
        {
            if (_clients[c] is not { } client) continue;
            int core = c;
            Waitset.Add(client.Receiver, (in UrpcMessage m) => OnRequest(core, in m));
        }
    }

    protected internal override bool HasLocalWork => _outbox.Pending > 0;

    protected internal override bool Run() => _outbox.Flush();

    void OnRequest(int core, in UrpcMessage m)
    {
        if (m.Type != RamRequest.TypeId) throw new InvalidOperationException($"memory server: message type {m.Type} from core #{core} is not a RAM request");
        var r = RamRequest.Decode(in m);
        if (r.SizeBits > ChunkBits || _free.Count == 0) { Refuse(core, r.Tag, CapError.OutOfRam); return; }
        var chunk = _free.Pop();
        var monitor = MonitorDispatcher.On(Driver);
        var e = monitor.SendCapability(_space!, chunk, new DispatcherId(core, MonitorSlot), r.Destination, CapRights.All, new Give(this, core, r.Tag, chunk), give: true);
        if (e != CapError.Ok) { _free.Push(chunk); Refuse(core, r.Tag, e); }
    }

    void Refuse(int core, ulong tag, CapError e)
    {
        Refused++;
        _outbox.Send(core, new RamGrant(tag, e, default));
    }

    /// <summary>One chunk on its way: answers the request once the monitors have given it and the receiver has it.</summary>
    sealed class Give(MemoryServer server, int core, ulong tag, Cptr chunk) : ICapOperationCompletion
    {
        public void Completed(in CapOperationResult result)
        {
            if (result.Error != CapError.Ok)
            {
                // A refused give leaves the chunk here; a give that committed but failed to import leaves it with nobody.
                if (server.Driver.Capabilities!.Identify(server._space!, chunk, out _) == CapError.Ok) server._free.Push(chunk);
                server.Refuse(core, tag, result.Error);
                return;
            }
            server.Granted++;
            server._outbox.Send(core, new RamGrant(tag, CapError.Ok, result.Sent));
        }
    }
}
