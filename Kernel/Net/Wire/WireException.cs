namespace Multikernel.Net.Wire;

/// <summary>Creating, entering or removing the experiment's network namespaces or veth pair failed; the message names the command and what it said.</summary>
public sealed class WireException(string message, Exception? inner = null) : Exception(message, inner);
