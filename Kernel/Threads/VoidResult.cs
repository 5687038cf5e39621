namespace Multikernel.Threads;

/// <summary>Result type of a <see cref="UTask"/>, which returns nothing.</summary>
public readonly struct VoidResult;
