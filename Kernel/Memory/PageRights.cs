namespace Multikernel.Memory;

/// <summary>What a mapping allows. Every present mapping is readable; <see cref="ReadWrite"/> also allows writes.</summary>
public enum PageRights
{
    ReadOnly = 0,
    ReadWrite = 1,
}
