using Multikernel.Urpc;

namespace Multikernel.Monitor;

/// <summary>Handles a monitor message of an extension type, on the receiving monitor's core.</summary>
public delegate void MonitorHandler(MonitorDispatcher self, int fromCoreIndex, in UrpcMessage message);
