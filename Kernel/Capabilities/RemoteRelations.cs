namespace Multikernel.Capabilities;

/// <summary>What other cores hold of an object (Barrelfish keeps these as bits in each cte; here the CPU driver asks the core's replica of the monitors' ownership table).</summary>
[Flags]
public enum RemoteRelations : byte
{
    None = 0,
    /// <summary>Another core holds a copy of the object.</summary>
    Copies = 1,
    /// <summary>Another core holds an object derived from it, or a descendant of it has copies elsewhere.</summary>
    Descendants = 2,
    /// <summary>A distributed operation on an overlapping range is prepared and not yet decided.</summary>
    Locked = 4,
}
