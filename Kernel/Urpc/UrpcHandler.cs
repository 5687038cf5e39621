namespace Multikernel.Urpc;

/// <summary>Called by a <see cref="Waitset"/> for each message taken from one of its receivers, on the receiving core.</summary>
public delegate void UrpcHandler(in UrpcMessage message);
