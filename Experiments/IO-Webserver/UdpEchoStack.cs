using Multikernel.CpuDriver;
using Multikernel.Drivers;
using Multikernel.Urpc;

namespace IOWebserver;

/// <summary>
/// The echo service behind the UDP NIC driver, on its own core: for every <see cref="NicMessages.Rx"/> descriptor it
/// builds the reply in place in the driver's shared buffer (an echo reply is the request's payload, unchanged, so
/// building it means handing the same bytes and length back) and returns the descriptor as <see cref="NicMessages.Tx"/>.
/// It reads nothing but the descriptor and never copies the payload: the point of the multikernel path is that the
/// bytes cross cores only through the shared buffer, and only the 64-byte descriptor crosses by URPC.
/// </summary>
public sealed class UdpEchoStack : Dispatcher
{
    readonly UrpcEndpoint _driver;
    readonly UrpcBacklog _toDriver = new();
    readonly int _bufferSize;

    public long Echoed { get; private set; }
    /// <summary>Optional: measures this core's allocations over a window of echoed datagrams (set before the stack starts).</summary>
    public AllocationProbe? Probe { get; init; }

    public UdpEchoStack(UrpcEndpoint driver, int bufferSize) : base("udp-echo-stack")
    {
        _driver = driver;
        _bufferSize = bufferSize;
    }

    protected override void OnStart() => Waitset.Add(_driver.Receiver, OnMessage);

    protected override bool HasLocalWork => _toDriver.Count > 0;

    protected override bool Run()
    {
        Probe?.Observe(Echoed);
        return _toDriver.Count > 0 && _toDriver.Flush(_driver.Sender) > 0;
    }

    void OnMessage(in UrpcMessage m)
    {
        if (m.Type != NicMessages.Rx.TypeId) throw new InvalidDataException($"UDP echo stack: unexpected message type {m.Type} from the driver");
        var rx = NicMessages.Rx.Decode(in m);
        if ((uint)rx.Length > (uint)_bufferSize) throw new InvalidDataException($"UDP echo stack: descriptor length {rx.Length} exceeds the buffer size {_bufferSize}");
        Echoed++;
        _toDriver.Send(_driver.Sender, new NicMessages.Tx(rx.Buffer, rx.Length, rx.Flow));
    }
}
