using Multikernel.Capabilities;
using Multikernel.Urpc;

namespace Multikernel.CpuDriver;

/// <summary>
/// A same-core LRPC binding between two dispatchers of one CPU driver (the paper's Table 1). It is made from an
/// Endpoint capability with the right to call that names the callee (checked when binding); a call is a "system call"
/// into the CPU driver, which checks that the capability is still there (revoking or deleting it stops further
/// calls: one generation compare), that it runs on the binding's core and that the callee is still one of the core's
/// dispatchers (a retired one gets no further upcall), then switches directly to the callee's handler and back,
/// without going through the run queue. Modelled: the privilege switch is a method call; the checks and the direct
/// hand-off are real.
/// </summary>
public sealed class LrpcBinding
{
    readonly CpuDriverThread _driver;
    readonly Dispatcher _caller;
    readonly Dispatcher _callee;
    readonly ILrpcServer _server;
    readonly CapHandle _endpoint;

    internal LrpcBinding(CpuDriverThread driver, Dispatcher caller, Dispatcher callee, ILrpcServer server, CapHandle endpoint)
    {
        _driver = driver;
        _caller = caller;
        _callee = callee;
        _server = server;
        _endpoint = endpoint;
    }

    public Dispatcher Caller => _caller;
    public Dispatcher Callee => _callee;

    /// <summary>Calls the callee on this core and returns its result words. Only code on the binding's core may call (checked).</summary>
    public UrpcPayload Call(in UrpcPayload args)
    {
        var e = TryCall(in args, out var result);
        if (e != CapError.Ok)
            throw new InvalidOperationException($"LRPC {_caller.Name} -> {_callee.Name} refused: {e} " + (e == CapError.DispatcherState
                ? $"({_callee.Name} has left core {_driver.Core})"
                : "(its Endpoint capability was deleted or revoked)"));
        return result;
    }

    /// <summary>
    /// Calls the callee unless the binding's Endpoint capability is gone (<see cref="CapError.Revoked"/>; the
    /// check is one generation compare) or the callee has left its core (<see cref="CapError.DispatcherState"/>:
    /// retired, e.g. without its endpoints revoked). Only code on the binding's core may call (checked). The callee is the core's current
    /// dispatcher during the call; after it, the dispatcher whose upcall made the call is current again (a monitor's
    /// upcall that calls through a client's binding stays the monitor's).
    /// </summary>
    public CapError TryCall(in UrpcPayload args, out UrpcPayload result)
    {
        result = default;
        if (!_endpoint.IsLive) return CapError.Revoked;
        if (!_driver.IsCurrentThread)
            throw new InvalidOperationException($"LRPC to {_callee.Name} called off core {_driver.Core}: LRPC is same-core only; use URPC across cores");
        if (_callee.TableIndex < 0) return CapError.DispatcherState;
        var calling = _driver.CurrentDispatcherSwitch(_callee);
        try { _server.OnLrpc(in args, ref result); }
        finally { _driver.CurrentDispatcherRestore(calling); }
        return CapError.Ok;
    }
}
