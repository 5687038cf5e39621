namespace Multikernel.Capabilities;

/// <summary>One capability as <see cref="CapabilityDriver.Snapshot"/> lists it.</summary>
public readonly record struct CapRecord(CapObjectKey Key, CapRights Rights, int Depth, bool Mapped);
