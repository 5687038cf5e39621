using Multikernel.Monitor.Agreement;

namespace Fig3.TlbShootdown;

/// <summary>Runs an action on the initiating core when a capability operation that may span cores has finished (setup and measurement orchestration; it allocates).</summary>
sealed class Then(Action<CapOperationResult> next) : ICapOperationCompletion
{
    public void Completed(in CapOperationResult result) => next(result);
}
