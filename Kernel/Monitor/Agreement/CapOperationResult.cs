using Multikernel.Capabilities;

namespace Multikernel.Monitor.Agreement;

/// <summary>
/// How a capability operation that may need the monitors ended: its error code, whether it ran as an agreement
/// (and that agreement's outcome), and, for a transfer, the capability to deliver to the receiving core.
/// </summary>
public readonly record struct CapOperationResult(CapError Error, bool Distributed, AgreementOutcome Agreement, SerializedCap Sent);
