namespace Multikernel.Capabilities;

/// <summary>
/// What a capability allows. Rights are fixed when a capability is created and a derived capability
/// (<c>Copy</c>, <c>Mint</c>, <c>Retype</c>, a transfer to another core) never has a right its source lacks.
/// For a Frame: <see cref="Read"/> / <see cref="Write"/> / <see cref="Execute"/> bound the mapping's rights. For a
/// VNode: <see cref="Write"/> is needed to map into or unmap from it. For an Endpoint: <see cref="Write"/> is the
/// right to call (send). <see cref="Grant"/> is the right to send the capability to another core.
/// </summary>
[Flags]
public enum CapRights : byte
{
    None = 0,
    Read = 1,
    Write = 2,
    Execute = 4,
    Grant = 8,
    ReadWrite = Read | Write,
    All = Read | Write | Execute | Grant,
}
