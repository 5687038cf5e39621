namespace Multikernel.Urpc;

/// <summary>Called by a <see cref="Waitset"/> for each message from peer <paramref name="from"/> of a peer set (<see cref="Waitset.AddPeers"/>).</summary>
public delegate void UrpcPeerHandler(int from, in UrpcMessage message);
