namespace Multikernel.Monitor;

/// <summary>
/// Told on the initiator's core when a shootdown has completed. An interface rather than a delegate so that a caller
/// issuing many shootdowns passes the same object each time and the hot path allocates nothing.
/// </summary>
public interface IShootdownCompletion
{
    void ShootdownCompleted(in ShootdownOutcome outcome);
}
