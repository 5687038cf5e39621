namespace Multikernel.Urpc;

/// <summary>
/// A bidirectional URPC connection between two cores: two one-way channels, one per direction, each ring placed on
/// its receiver's NUMA node. <see cref="A"/> sends on the A-to-B ring and receives on the B-to-A ring; <see cref="B"/>
/// the opposite.
/// </summary>
public sealed class UrpcBinding : IDisposable
{
    readonly UrpcChannel _aToB, _bToA;

    public UrpcEndpoint A { get; }
    public UrpcEndpoint B { get; }

    public UrpcBinding(int slots = 16, int nodeOfA = -1, int nodeOfB = -1)
    {
        _aToB = new UrpcChannel(slots, nodeOfB);
        try { _bToA = new UrpcChannel(slots, nodeOfA); }
        catch { _aToB.Dispose(); throw; }
        A = new UrpcEndpoint(_aToB, _bToA);
        B = new UrpcEndpoint(_bToA, _aToB);
    }

    public void Dispose()
    {
        _aToB.Dispose();
        _bToA.Dispose();
    }
}

/// <summary>One end of a <see cref="UrpcBinding"/>: the ring it sends on and the ring it receives on.</summary>
public sealed class UrpcEndpoint
{
    public UrpcChannel Outgoing { get; }
    public UrpcChannel Incoming { get; }

    internal UrpcEndpoint(UrpcChannel outgoing, UrpcChannel incoming)
    {
        Outgoing = outgoing;
        Incoming = incoming;
    }

    public bool TrySend(byte type, ulong w0 = 0, ulong w1 = 0, ulong w2 = 0, ulong w3 = 0, ulong w4 = 0, ulong w5 = 0, ulong w6 = 0) =>
        Outgoing.TrySend(type, w0, w1, w2, w3, w4, w5, w6);

    public void Send(byte type, ulong w0 = 0, ulong w1 = 0, ulong w2 = 0, ulong w3 = 0, ulong w4 = 0, ulong w5 = 0, ulong w6 = 0) =>
        Outgoing.Send(type, w0, w1, w2, w3, w4, w5, w6);

    public bool TryReceive(out UrpcMessage message) => Incoming.TryReceive(out message);

    public UrpcMessage Receive() => Incoming.Receive();
}
