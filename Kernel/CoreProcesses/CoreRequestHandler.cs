using Multikernel.Monitor;

namespace Multikernel.CoreProcesses;

/// <summary>Serves a request on the core whose monitor runs it; answers through <paramref name="reply"/>, now or later.</summary>
public delegate void CoreRequestHandler(MonitorDispatcher monitor, CoreArgs args, CoreReply reply);
