namespace Multikernel.Monitor.Agreement;

/// <summary>Told once, on the core that asked, when a <see cref="CapabilityAgreement"/> operation has finished.</summary>
public interface ICapOperationCompletion
{
    void Completed(in CapOperationResult result);
}
