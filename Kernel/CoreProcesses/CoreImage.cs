using Multikernel.CpuDriver;
using Multikernel.Monitor;

namespace Multikernel.CoreProcesses;

/// <summary>Makes a dispatcher on the core whose monitor runs it, from five argument words.</summary>
public delegate Dispatcher CoreImage(MonitorDispatcher monitor, CoreArgs args);
